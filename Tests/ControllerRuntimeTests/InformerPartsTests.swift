import KubeCore
import KubeFake
import TestSupport
import Testing
@testable import ControllerRuntime

/// The informer's three parts, each used alone: the `Reflector` fed by hand, the `Broadcaster`
/// without any cache, the `Watcher` as a plain stream without a store.
@Suite("Informer parts")
struct InformerPartsTests {
    struct Item: Sendable, Equatable {
        var key: String
        var value: Int
    }

    // MARK: Reflector

    @Test("Reflector: random watcher events, aborted inits included, keep the store equal to a model, and its changes replay the store (seeded)")
    func reflectorMatchesModel() {
        for _ in 0..<20 {
            var rng = TestRandom()
            let reflector = Reflector<Item>()
            var model = ReflectorModel<Item>()       // what the store must hold
            var view: [String: Item] = [:]           // a subscriber's copy, built only from the changes
            for step in 0..<600 {
                let key = "ns/k\(rng.next() % 16)"
                let item = Item(key: key, value: Int(rng.next() % 1000))
                let event = model.randomEvent(key: key, object: item, step: step, using: &rng)
                model.apply(event)
                let changes = reflector.apply(event)
                for change in changes {
                    switch change {
                    case .added(let object):
                        #expect(view[object.key] == nil, "\(rng) step \(step): added \(object.key) already present")
                        view[object.key] = object
                    case .updated(let old, let new):
                        #expect(view[old.key] == old, "\(rng) step \(step): update's old value is not the previous one")
                        view[new.key] = new
                    case .deleted(let object):
                        #expect(view[object.key] == object, "\(rng) step \(step): deleted value is not the previous one")
                        view[object.key] = nil
                    }
                }
                let stored = reflector.store.snapshot()
                #expect(stored == model.items, "\(rng) step \(step) after \(event)")
                #expect(view == stored, "\(rng) step \(step): the changes do not replay the store")
                if stored != model.items || view != stored { return }
            }
        }
    }

    @Test("Reflector: readers never see half an init")
    func initIsSwappedWhole() {
        let reflector = Reflector<Item>()
        reflector.apply(.applied(key: "a", object: Item(key: "a", value: 1)))
        reflector.apply(.initStarted)
        reflector.apply(.initApply(key: "b", object: Item(key: "b", value: 2)))
        #expect(reflector.store.keys == ["a"])
        let changes = reflector.apply(.initDone(resourceVersion: "9"))
        #expect(reflector.store.keys == ["b"])
        #expect(changes.count == 2)
    }

    @Test("Reflector: an init's changes come in the LIST's order, deletions last; a key listed twice keeps its last object (seeded)")
    func initChangesFollowListOrder() {
        var rng = TestRandom()
        for round in 0..<40 {
            let reflector = Reflector<Item>()
            var stored: [String: Item] = [:]
            for _ in 0..<Int(rng.next() % 60) {
                let key = "ns/k\(rng.next() % 300)"
                stored[key] = Item(key: key, value: -1)
                reflector.apply(.applied(key: key, object: stored[key]))
            }
            let twice = round % 4 == 0  // these rounds list some keys twice
            var listed: [Item] = []
            var keys = Set<String>()
            for value in 0..<Int(1 + rng.next() % 400) {
                let key = "ns/k\(rng.next() % 600)"
                guard keys.insert(key).inserted || twice else { continue }
                listed.append(Item(key: key, value: value))
            }
            reflector.apply(.initStarted)
            for item in listed { reflector.apply(.initApply(key: item.key, object: item)) }
            let changes = reflector.apply(.initDone(resourceVersion: "\(round)"))
            var last: [String: Item] = [:]
            for item in listed { last[item.key] = item }
            let kept = changes.compactMap { change -> Item? in
                switch change {
                case .added(let new), .updated(_, let new): return new
                case .deleted: return nil
                }
            }
            let gone = changes.compactMap { change -> String? in
                if case .deleted(let old) = change { return old.key }
                return nil
            }
            if listed.count == last.count {
                #expect(kept == listed, "\(rng) round \(round): the changes are not in the LIST's order")
            } else {
                #expect(kept.sorted { $0.key < $1.key } == last.values.sorted { $0.key < $1.key },
                        "\(rng) round \(round): a key listed twice did not keep its last object once")
            }
            #expect(changes.suffix(gone.count).allSatisfy { if case .deleted = $0 { true } else { false } },
                    "\(rng) round \(round): a deletion before an addition")
            #expect(Set(gone) == Set(stored.keys).subtracting(last.keys), "\(rng) round \(round)")
            #expect(reflector.store.snapshot() == last, "\(rng) round \(round)")
        }
    }

    // MARK: Broadcaster

    @Test("Broadcaster: subscribers joining at random moments of a concurrent publisher see replay + deliveries = every value, once, in order (seeded)")
    func broadcasterNeitherLosesNorRepeats() async {
        var rng = TestRandom()
        let total = 5000
        // Sets larger than a slice go out a slice at a time, each to every subscriber in turn.
        let sliceSize = 1 + Int(rng.next() % 4)
        let broadcaster = Broadcaster<Int>(sliceSize: sliceSize)
        let published = LockedState<[Int]>([])
        // Values go out alone or in sets of up to 9 (as a relist's), at random.
        var sets: [Range<Int>] = []
        while sets.last?.upperBound ?? 0 < total {
            let start = sets.last?.upperBound ?? 0
            sets.append(start..<min(total, start + 1 + Int(rng.next() % 9)))
        }
        let publisher = Task { [sets] in
            for (index, set) in sets.enumerated() {
                // The state a replay reads changes inside `publish`'s closure, as an informer's
                // store does: a change made before `publish(_:)` would be replayed to a subscriber
                // joining in between and then delivered to it as well.
                broadcaster.publish {
                    published.withLock { $0.append(contentsOf: set) }
                    return Array(set)
                }
                if index % 16 == 0 { await Task.yield() }
            }
        }
        // Handlers, batch handlers and streams, subscribed while the publisher runs, each
        // replaying the state so far.
        var handlers: [LockedState<[Int]>] = []
        var streams: [AsyncStream<Int>] = []
        for _ in 0..<24 {
            let pick = rng.next() % 3
            if pick == 0 {
                let seen = LockedState<[Int]>([])
                broadcaster.addHandler(replay: { published.withLock { $0 } }) { value in seen.withLock { $0.append(value) } }
                handlers.append(seen)
            } else if pick == 1 {
                let seen = LockedState<[Int]>([])
                // The replay (the first call, when there is one) may be longer than a slice.
                let replayPending = LockedState(false)
                let replay = { () -> [Int] in
                    let values = published.withLock { $0 }
                    replayPending.withLock { $0 = !values.isEmpty }
                    return values
                }
                broadcaster.addBatchHandler(replay: replay) { values in
                    // An empty batch would be a call for nothing, a delivery over the slice size a
                    // subscriber holding up the others: both recorded as a wrong value.
                    let isReplay = replayPending.withLock { pending in
                        defer { pending = false }
                        return pending
                    }
                    let wrong = values.isEmpty || (!isReplay && values.count > sliceSize)
                    seen.withLock { $0.append(contentsOf: wrong ? [-1] : values) }
                }
                handlers.append(seen)
            } else {
                streams.append(broadcaster.stream(replay: { published.withLock { $0 } }))
            }
            for _ in 0..<Int(rng.next() % 100) { await Task.yield() }
        }
        await publisher.value
        broadcaster.finish()
        for seen in handlers {
            #expect(seen.withLock { $0 } == Array(0..<total), "\(rng): a handler lost or repeated a value")
        }
        for stream in streams {
            var values: [Int] = []
            for await value in stream { values.append(value) }
            #expect(values == Array(0..<total), "\(rng): a stream lost or repeated a value (\(values.count) values)")
        }
    }

    @Test("Broadcaster: finish ends streams; a dropped stream unsubscribes")
    func broadcasterFinishAndDrop() async throws {
        let broadcaster = Broadcaster<Int>()
        do {
            let dropped = broadcaster.stream()
            _ = dropped
        }
        let kept = broadcaster.stream(replay: { [7] })
        try await waitUntil { broadcaster.subscriberCount == 1 }
        broadcaster.publish(8)
        broadcaster.finish()
        var values: [Int] = []
        for await value in kept { values.append(value) }
        #expect(values == [7, 8])
        #expect(broadcaster.subscriberCount == 0)
    }

    // MARK: Watcher

    static func item(_ object: JSONValue) -> Item? {
        Item(key: object.objectKey, value: Int(object[path: "spec", "value"].int ?? 0))
    }

    @Test("Watcher alone: a stream of inits and changes that, applied to a plain dictionary, follows the server through drops, 410s and failed LISTs")
    func watcherStreamFollowsTheServer() async throws {
        var rng = TestRandom()
        let api = FakeKubeAPI()
        let widgets = InformerTests.widgets
        for i in 0..<30 {
            _ = try await api.create(widgets, namespace: "ns", object: InformerTests.widget("ns", "w\(i)", Int64(i)), options: WriteOptions())
        }
        let watcher = Watcher<Item>(api: api, resource: widgets,
                                    options: WatcherOptions(pageSize: 7, backoff: InformerTests.fastBackoff, expiryBackoff: InformerTests.fastBackoff),
                                    transform: Self.item)
        // The consumer: a dictionary and the events' shape, nothing from the runtime.
        let state = LockedState<(objects: [String: Item], pending: [String: Item]?, inits: Int, badOrder: Bool)>(([:], nil, 0, false))
        let consumer = Task {
            for await event in watcher.stream() {
                state.withLock { s in
                    switch event {
                    case .initStarted: s.pending = [:]
                    case .initApply(let key, let object):
                        if s.pending == nil { s.badOrder = true }
                        s.pending?[key] = object
                    case .initDone:
                        if s.pending == nil { s.badOrder = true }
                        s.objects = s.pending ?? [:]
                        s.pending = nil
                        s.inits += 1
                    case .applied(let key, let object):
                        if s.pending != nil { s.badOrder = true }
                        s.objects[key] = object
                    case .deleted(let key):
                        if s.pending != nil { s.badOrder = true }
                        s.objects[key] = nil
                    }
                }
            }
        }
        func truth() -> [String: Item] { api.objects(widgets).compactMapValues(Self.item) }
        func converged() -> Bool { state.withLock { $0.objects } == truth() && watcher.isWatching }
        try await waitUntil("\(rng)") { converged() }
        #expect(state.withLock { $0.inits } == 1)
        for round in 0..<12 {
            // Changes, then a fault while they are in flight.
            for _ in 0..<5 {
                let name = "w\(rng.next() % 40)"
                if rng.next() % 3 == 0 {
                    try? await api.delete(widgets, namespace: "ns", name: name)
                } else if api.objects(widgets)["ns/\(name)"] != nil {
                    _ = try await api.patch(widgets, namespace: "ns", name: name, patch: .merge(["spec": ["value": .int(Int64(round))]]),
                                            subresource: nil, options: WriteOptions())
                } else {
                    _ = try await api.create(widgets, namespace: "ns", object: InformerTests.widget("ns", name, Int64(round)), options: WriteOptions())
                }
            }
            switch rng.next() % 3 {
            case 0: api.dropWatches()
            case 1:
                api.compact()
                api.dropWatches(error: KubeAPIError(reason: .gone, code: 410, message: "too old resource version"))
            default:
                api.failNextLists([KubeAPIError(reason: .serverError, code: 500, message: "injected")])
                api.compact()
                api.dropWatches(error: KubeAPIError(reason: .gone, code: 410, message: "too old resource version"))
            }
            try await waitUntil("\(rng) round \(round): the stream's state differs from the server") { converged() }
        }
        #expect(!state.withLock { $0.badOrder }, "\(rng): an init's events were interleaved with watch events")
        consumer.cancel()
        await consumer.value
    }
}
