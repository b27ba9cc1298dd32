import KubeCore
import TestSupport
import Testing
@testable import ControllerRuntime

/// `Controller.watch` with predicates, per event and in batches: the queue receives exactly the
/// keys of the events every predicate accepts, in the order they first came, each once while queued.
@Suite("Controller watches")
struct ControllerWatchTests {
    typealias Item = InformerPartsTests.Item

    static let evenCreatesAndValueChanges = Predicate<Item>(
        create: { $0.value % 2 == 0 }, update: { old, new in old.value != new.value }, delete: { _ in true })
    static let thirdChanged = Predicate<Item>.changed { $0.value / 3 }
    static let predicates = [evenCreatesAndValueChanges, thirdChanged]

    static func controller() -> Controller<String> {
        Controller<String>(name: "watch", reconciler: ReconcilerFunc { _ in .done })
    }

    /// The queue's keys, in order, emptying it.
    static func drain(_ queue: WorkQueue<String>) async -> [String] {
        var keys: [String] = []
        while queue.count > 0, let key = await queue.get() {
            keys.append(key)
            queue.done(key)
        }
        return keys
    }

    @Test func onlyMatchingEventsTrigger() async {
        let broadcaster = Broadcaster<InformerEvent<Item>>()
        let perEvent = Self.controller(), batched = Self.controller()
        let events = broadcaster.stream(), batches = broadcaster.batches()
        let watches = [
            Task { await perEvent.watch(events, predicates: Self.predicates) { [$0.object.key] } },
            Task { await batched.watch(batches: batches, predicates: Self.predicates) { [$0.object.key] } },
        ]
        broadcaster.publish {
            [.added(Item(key: "odd", value: 1)), .added(Item(key: "even", value: 4)),
             .updated(old: Item(key: "same-third", value: 3), new: Item(key: "same-third", value: 4)),
             .updated(old: Item(key: "unchanged", value: 6), new: Item(key: "unchanged", value: 6)),
             .updated(old: Item(key: "moved", value: 2), new: Item(key: "moved", value: 3)),
             .deleted(Item(key: "gone", value: 7))]
        }
        broadcaster.finish()
        for watch in watches { await watch.value }
        #expect(await Self.drain(perEvent.queue) == ["even", "moved", "gone"])
        #expect(await Self.drain(batched.queue) == ["even", "moved", "gone"])
    }

    /// What `predicates` accept, written out: even creates, updates that change `value / 3` (and so
    /// `value`), every delete.
    static func model(_ event: InformerEvent<Item>) -> Bool {
        switch event {
        case .added(let item): return item.value % 2 == 0
        case .updated(let old, let new): return old.value / 3 != new.value / 3
        case .deleted: return true
        }
    }

    /// Seeded random batches of events over a few names, against the model.
    @Test(arguments: 0..<20) func randomEventsMatchTheModel(round: Int) async {
        var random = TestRandom()
        let broadcaster = Broadcaster<InformerEvent<Item>>(sliceSize: random.int(1...6))
        let perEvent = Self.controller(), batched = Self.controller()
        let events = broadcaster.stream(), batches = broadcaster.batches()
        let watches = [
            Task { await perEvent.watch(events, predicates: Self.predicates) { [$0.object.key] } },
            Task { await batched.watch(batches: batches, predicates: Self.predicates) { [$0.object.key] } },
        ]
        var expected: [String] = []
        for _ in 0..<random.int(1...30) {
            var batch: [InformerEvent<Item>] = []
            for _ in 0..<random.int(0...12) {
                let name = "item-\(random.int(0...7))", value = random.int(0...9)
                switch random.int(0...2) {
                case 0: batch.append(.added(Item(key: name, value: value)))
                case 1: batch.append(.updated(old: Item(key: name, value: value), new: Item(key: name, value: random.int(0...9))))
                default: batch.append(.deleted(Item(key: name, value: value)))
                }
            }
            for event in batch where Self.model(event) && !expected.contains(event.object.key) {
                expected.append(event.object.key)
            }
            broadcaster.publish { batch }
        }
        broadcaster.finish()
        for watch in watches { await watch.value }
        #expect(await Self.drain(perEvent.queue) == expected, "\(random)")
        #expect(await Self.drain(batched.queue) == expected, "\(random)")
    }
}
