import KubeCore
import KubeFake
import TestSupport
import Testing
@testable import ControllerRuntime

/// When a cache may be trusted (`CacheRequirement`), relists on request, backoff after 410, and
/// handlers that run without the informer's lock.
@Suite("Informer freshness")
struct InformerFreshnessTests {
    typealias T = InformerTests
    /// A backoff so long that anything happening during it was not the backoff's doing.
    static let glacialBackoff = Backoff(initial: .seconds(600), max: .seconds(600), jitter: 0)

    static func started(_ api: FakeKubeAPI, backoff: Backoff) async -> (Informer<Slim>, Task<Void, Never>) {
        let informer = Informer<Slim>(api: api, resource: T.widgets, options: WatcherOptions(backoff: backoff, expiryBackoff: backoff),
                                      transform: T.slim)
        let run = Task { await informer.run() }
        await informer.waitForSync()
        return (informer, run)
    }

    @Test func liveCacheIsCurrentForRequestsSeenWhileItWatched() async throws {
        let api = FakeKubeAPI()
        let (informer, run) = await Self.started(api, backoff: T.fastBackoff)
        try await waitUntil { informer.isLive }
        let observed = ContinuousClock.now
        #expect(informer.satisfies(.live))
        #expect(informer.satisfies(.asOf(observed, resourceVersion: nil)))
        // Behind a resourceVersion it has not reached, but still current: it watched all along.
        #expect(informer.satisfies(.asOf(observed, resourceVersion: "999999")))
        run.cancel()
        await run.value
        #expect(!informer.isLive)
    }

    @Test func aWatchErrorMakesItBehindUntilARequestedRelist() async throws {
        let api = FakeKubeAPI()
        _ = try await api.create(T.widgets, namespace: "ns", object: T.widget("ns", "a", 1), options: WriteOptions())
        let (informer, run) = await Self.started(api, backoff: Self.glacialBackoff)
        try await waitUntil { api.activeWatchers == 1 }
        api.dropWatches(error: KubeAPIError(reason: .serverError, code: 500, message: "etcdserver: leader changed"))
        // Now backing off for 10 minutes: down, and changes made meanwhile are not in the cache.
        try await waitUntil { !informer.isLive }
        _ = try await api.create(T.widgets, namespace: "ns", object: T.widget("ns", "b", 2), options: WriteOptions())
        let request = ContinuousClock.now
        #expect(!informer.satisfies(.live))
        #expect(!informer.satisfies(.asOf(request, resourceVersion: nil)))
        #expect(informer.store.count == 1)
        #expect(informer.lastError?.contains("leader changed") == true)
        // A request skips the backoff: one LIST started after it makes the cache current.
        let listsBefore = api.listCalls
        informer.requestRelist(after: request)
        try await waitUntil { informer.satisfies(.asOf(request, resourceVersion: nil)) }
        #expect(informer.store.count == 2)
        #expect(api.listCalls == listsBefore + 1)
        try await waitUntil { informer.isLive }
        // Asking again for the same moment costs nothing.
        informer.requestRelist(after: request)
        #expect(api.listCalls == listsBefore + 1)
        run.cancel()
        await run.value
    }

    @Test func aResourceVersionAtLeastTheRequestsProvesCurrency() async throws {
        let api = FakeKubeAPI()
        let (informer, run) = await Self.started(api, backoff: Self.glacialBackoff)
        try await waitUntil { api.activeWatchers == 1 }
        api.dropWatches(error: KubeAPIError(reason: .serverError, code: 500, message: "boom"))
        try await waitUntil { !informer.isLive }
        let applied = informer.lastSyncResourceVersion
        let later = ContinuousClock.now
        #expect(informer.satisfies(.asOf(later, resourceVersion: applied)))
        #expect(!informer.satisfies(.asOf(later, resourceVersion: String((Int64(applied) ?? 0) + 1))))
        // Not comparable as integers: no proof either way, so not current.
        #expect(!informer.satisfies(.asOf(later, resourceVersion: "opaque")))
        run.cancel()
        await run.value
    }

    @Test func relistAfterGoneWaitsForTheBackoff() async throws {
        let api = FakeKubeAPI()
        let (informer, run) = await Self.started(api, backoff: Self.glacialBackoff)
        try await waitUntil { api.activeWatchers == 1 }
        #expect(api.listCalls == 1)
        // The watch ends with 410 Expired (history compacted): a relist is due, but only after the
        // (10 minute) jittered backoff: no stampede of relists when history is compacted.
        api.compact()
        api.dropWatches(error: KubeAPIError(reason: .gone, code: 410, message: "too old resource version"))
        try await waitUntil { !informer.isLive }
        #expect(api.listCalls == 1)
        let request = ContinuousClock.now
        informer.requestRelist(after: request)
        try await waitUntil { api.listCalls == 2 && informer.isLive }
        #expect(informer.satisfies(.asOf(request, resourceVersion: nil)))
        run.cancel()
        await run.value
    }

    @Test func recoveryIsAnnounced() async throws {
        let api = FakeKubeAPI()
        let (informer, run) = await Self.started(api, backoff: T.fastBackoff)
        let announcements = LockedState<[Bool]>([])
        informer.onHealthChange { failing in announcements.withLock { $0.append(failing) } }
        try await waitUntil { api.activeWatchers == 1 }
        api.dropWatches(error: KubeAPIError(reason: .serverError, code: 500, message: "boom"))
        // One error, not a failing cache: the watch's return is announced all the same.
        try await waitUntil { announcements.withLock { $0 } == [false] }
        #expect(informer.isLive)
        run.cancel()
        await run.value
    }

    @Test func handlersRunWithoutTheInformersLock() async throws {
        let api = FakeKubeAPI()
        let (informer, run) = await Self.started(api, backoff: T.fastBackoff)
        let seen = LockedState<[String]>([])
        // A handler that subscribes again from inside a callback deadlocked when handlers ran under the lock.
        informer.addHandler(replay: false) { event in
            let nested = informer.events(replay: true)
            _ = nested
            seen.withLock { $0.append(event.object.key) }
        }
        _ = try await api.create(T.widgets, namespace: "ns", object: T.widget("ns", "a", 1), options: WriteOptions())
        _ = try await api.create(T.widgets, namespace: "ns", object: T.widget("ns", "b", 2), options: WriteOptions())
        try await waitUntil { seen.withLock { $0 } == ["ns/a", "ns/b"] }
        run.cancel()
        await run.value
    }

    /// Subscribers joining while the store churns see every object exactly as the store has it:
    /// the replay and the changes after it neither overlap nor leave a gap.
    @Test(arguments: [UInt64(7), 1234, 987_654])
    func subscribersJoiningDuringChurnConverge(seed: UInt64) async throws {
        var random = TestRandom(seed: seed)
        let api = FakeKubeAPI()
        let (informer, run) = await Self.started(api, backoff: T.fastBackoff)
        let views = (0..<4).map { _ in View() }
        let writer = Task {
            var rng = TestRandom(seed: seed &+ 1)
            for i in 0..<300 {
                let name = "w\(rng.next() % 40)"
                if rng.next() % 4 == 0 {
                    try? await api.delete(T.widgets, namespace: "ns", name: name)
                } else if var object = try? await api.get(T.widgets, namespace: "ns", name: name) {
                    object["spec"]["value"] = .int(Int64(i))
                    _ = try? await api.update(T.widgets, namespace: "ns", object: object, subresource: nil, options: WriteOptions())
                } else {
                    _ = try? await api.create(T.widgets, namespace: "ns", object: T.widget("ns", name, Int64(i)), options: WriteOptions())
                }
                await Task.yield()
            }
        }
        for view in views {
            for _ in 0..<Int(random.next() % 50) { await Task.yield() }
            informer.addHandler(replay: true) { event in
                view.state.withLock { state in
                    switch event {
                    case .added(let o):
                        #expect(state[o.key] == nil, "seed \(seed): \(o.key) added twice")
                        state[o.key] = o.value
                    case .updated(_, let o):
                        #expect(state[o.key] != nil, "seed \(seed): update of unknown \(o.key)")
                        state[o.key] = o.value
                    case .deleted(let o):
                        #expect(state[o.key] != nil, "seed \(seed): delete of unknown \(o.key)")
                        state[o.key] = nil
                    }
                }
            }
        }
        await writer.value
        try await waitUntil("seed \(seed)") { T.consistent(informer, api) }
        let truth = informer.store.snapshot().mapValues(\.value)
        for (i, view) in views.enumerated() {
            // The last deliveries may still be on their way once the store is consistent.
            try await waitUntil("seed \(seed): subscriber \(i) diverged from the store: \(view.state.withLock { $0 }.count) vs \(truth.count)") {
                view.state.withLock { $0 } == truth
            }
        }
        run.cancel()
        await run.value
    }
}

/// What one subscriber believes the store holds.
final class View: Sendable {
    let state = LockedState<[String: Int64]>([:])
}
