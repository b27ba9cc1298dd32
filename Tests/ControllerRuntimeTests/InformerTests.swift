import KubeCore
import KubeFake
import TestSupport
import Testing
@testable import ControllerRuntime

/// The projection the tests cache: enough to compare with the server.
struct Slim: Sendable, Equatable {
    var key: String
    var resourceVersion: String
    var value: Int64
}

@Suite("Informer")
struct InformerTests {
    static let widgets = GroupVersionResource(group: "example.com", version: "v1", resource: "widgets", kind: "Widget")

    static func slim(_ object: JSONValue) -> Slim? {
        Slim(key: object.objectKey, resourceVersion: object.resourceVersion ?? "", value: object[path: "spec", "value"].int ?? 0)
    }

    static func widget(_ namespace: String, _ name: String, _ value: Int64) -> JSONValue {
        ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": .string(name), "namespace": .string(namespace)],
         "spec": ["value": .int(value)], "status": ["big": .string(String(repeating: "x", count: 64))]]
    }

    static let fastBackoff = Backoff(initial: .milliseconds(5), max: .milliseconds(50), jitter: 0.2)

    /// True when the informer's store matches the server exactly.
    static func consistent(_ informer: Informer<Slim>, _ api: FakeKubeAPI) -> Bool {
        let server = api.objects(widgets).mapValues { slim($0) }
        let cached = informer.store.snapshot()
        guard server.count == cached.count else { return false }
        for (key, value) in server where cached[key] != value { return false }
        return true
    }

    @Test func listsPaginatedThenWatchesWithoutRelisting() async throws {
        let api = FakeKubeAPI()
        for i in 0..<1234 { _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "w\(i)", Int64(i)), options: WriteOptions()) }
        let informer = Informer<Slim>(api: api, resource: Self.widgets, options: WatcherOptions(backoff: Self.fastBackoff), transform: Self.slim)
        let run = Task { await informer.run() }
        await informer.waitForSync()
        #expect(informer.hasSynced)
        #expect(informer.store.count == 1234)
        #expect(api.listCalls == 3)  // 500 + 500 + 234
        // Steady state: changes arrive through the watch; bookmarks and dropped watches resume, never relist.
        _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "new", 1), options: WriteOptions())
        try await api.delete(Self.widgets, namespace: "ns", name: "w0")
        api.sendBookmarks()
        try await waitUntil { Self.consistent(informer, api) }
        for _ in 0..<5 {
            try await waitUntil { api.activeWatchers == 1 }
            api.dropWatches()
            _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "x\(api.watchCalls)", 2), options: WriteOptions())
        }
        try await waitUntil { Self.consistent(informer, api) }
        #expect(api.listCalls == 3)
        #expect(informer.listCount == 3)
        run.cancel()
        await run.value
    }

    @Test func eventsStreamReportsAddsUpdatesDeletes() async throws {
        let api = FakeKubeAPI()
        _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "a", 1), options: WriteOptions())
        let informer = Informer<Slim>(api: api, resource: Self.widgets, options: WatcherOptions(backoff: Self.fastBackoff), transform: Self.slim)
        let run = Task { await informer.run() }
        await informer.waitForSync()
        let events = informer.events()
        var iterator = events.makeAsyncIterator()
        guard case .added(let first)? = await iterator.next() else { Issue.record("expected replayed add"); return }
        #expect(first.key == "ns/a")
        var object = try await api.get(Self.widgets, namespace: "ns", name: "a")
        object["spec"]["value"] = 2
        _ = try await api.update(Self.widgets, namespace: "ns", object: object, subresource: nil, options: WriteOptions())
        guard case .updated(let old, let new)? = await iterator.next() else { Issue.record("expected update"); return }
        #expect(old.value == 1)
        #expect(new.value == 2)
        try await api.delete(Self.widgets, namespace: "ns", name: "a")
        guard case .deleted(let gone)? = await iterator.next() else { Issue.record("expected delete"); return }
        #expect(gone.key == "ns/a")
        run.cancel()
        await run.value
        #expect(await iterator.next() == nil)  // stopping ends subscriber streams
    }

    @Test func relistAfterGoneComputesDeletions() async throws {
        let api = FakeKubeAPI()
        for i in 0..<10 { _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "w\(i)", 0), options: WriteOptions()) }
        let informer = Informer<Slim>(api: api, resource: Self.widgets, options: WatcherOptions(backoff: Self.fastBackoff), transform: Self.slim)
        let deletions = LockedState<[String]>([])
        informer.addHandler { event in
            if case .deleted(let object) = event { deletions.withLock { $0.append(object.key) } }
        }
        let run = Task { await informer.run() }
        await informer.waitForSync()
        try await waitUntil { api.activeWatchers == 1 }
        // Drop the watch, change things while nobody watches, compact history: the resume gets 410.
        api.dropWatches()
        for i in 0..<5 { try await api.delete(Self.widgets, namespace: "ns", name: "w\(i)") }
        api.compact()
        try await waitUntil { Self.consistent(informer, api) }
        #expect(api.listCalls >= 2)
        #expect(Set(deletions.withLock { $0 }) == Set((0..<5).map { "ns/w\($0)" }))
        run.cancel()
        await run.value
    }

    @Test func retriesListErrorsHonouringRetryAfter() async throws {
        let api = FakeKubeAPI()
        _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "a", 1), options: WriteOptions())
        api.failNextLists([
            KubeAPIError(reason: .tooManyRequests, code: 429, message: "slow down", retryAfter: .milliseconds(30)),
            KubeAPIError(reason: .serverError, code: 500, message: "oops"),
        ])
        let informer = Informer<Slim>(api: api, resource: Self.widgets, options: WatcherOptions(backoff: Self.fastBackoff), transform: Self.slim)
        let started = ContinuousClock.now
        let run = Task { await informer.run() }
        await informer.waitForSync()
        #expect(ContinuousClock.now - started >= .milliseconds(30))
        #expect(api.listCalls == 3)
        #expect(informer.store.count == 1)
        run.cancel()
        await run.value
    }

    @Test func failingRelistIsReportedWhileTheStoreKeepsItsContents() async throws {
        let api = FakeKubeAPI()
        for i in 0..<3 { _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "w\(i)", 0), options: WriteOptions()) }
        let slow = Backoff(initial: .milliseconds(200), max: .milliseconds(200), jitter: 0)
        let informer = Informer<Slim>(api: api, resource: Self.widgets, options: WatcherOptions(backoff: slow), transform: Self.slim)
        // Health flips are announced once each way, not once per failed attempt.
        let flips = LockedState<[Bool]>([])
        informer.onHealthChange { failing in flips.withLock { $0.append(failing) } }
        let run = Task { await informer.run() }
        await informer.waitForSync()
        #expect(informer.failure == nil)
        try await waitUntil { api.activeWatchers == 1 }
        // The watch expires (410) and the relist fails: the cache is stale, and says so.
        // (The informer waits its 200 ms backoff before re-watching a watch that ended at once.)
        api.failNextLists((0..<3).map { _ in KubeAPIError(reason: .serverError, code: 500, message: "etcd unavailable") })
        api.dropWatches()
        _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "late", 0), options: WriteOptions())
        api.compact()
        try await waitUntil { informer.failure != nil }
        #expect(informer.failure?.contains("list failed") == true)
        #expect(informer.failure?.contains("etcd unavailable") == true)
        #expect(informer.store.count == 3)
        // Once a list succeeds again, it is healthy and current.
        try await waitUntil { informer.failure == nil && api.activeWatchers == 1 }
        #expect(informer.store.count == 4)
        #expect(flips.withLock { $0 } == [true, false])
        run.cancel()
        await run.value
    }

    @Test func transformReturningNilKeepsObjectsOut() async throws {
        let api = FakeKubeAPI()
        _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "small", 1), options: WriteOptions())
        _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "large", 100), options: WriteOptions())
        let informer = Informer<Slim>(api: api, resource: Self.widgets, options: WatcherOptions(backoff: Self.fastBackoff)) { object in
            (object[path: "spec", "value"].int ?? 0) < 50 ? Self.slim(object) : nil
        }
        let run = Task { await informer.run() }
        await informer.waitForSync()
        #expect(informer.store.keys == ["ns/small"])
        var small = try await api.get(Self.widgets, namespace: "ns", name: "small")
        small["spec"]["value"] = 99
        _ = try await api.update(Self.widgets, namespace: "ns", object: small, subresource: nil, options: WriteOptions())
        try await waitUntil { informer.store.count == 0 }
        run.cancel()
        await run.value
    }

    /// A collection with many pages left is listed in larger pages (the server's
    /// `remainingItemCount`), never over `maxPageSize`, and the store still gets every object.
    @Test func largeCollectionsAreListedInLargerPages() async throws {
        let api = FakeKubeAPI()
        for i in 0..<600 {
            _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "w\(i)", Int64(i)), options: WriteOptions())
        }
        let options = WatcherOptions(pageSize: 5, maxPageSize: 40, backoff: Self.fastBackoff)
        let informer = Informer<Slim>(api: api, resource: Self.widgets, options: options, transform: Self.slim)
        let run = Task { await informer.run() }
        await informer.waitForSync()
        #expect(informer.store.count == 600)
        // Pages of 5 throughout would be 120 LISTs; 5, then 595 / 16 = 37 a page, 18.
        #expect(informer.listCount == 18, "\(informer.listCount) LIST pages")
        run.cancel()
        await run.value
    }

    @Test("WatcherOptions.pageSize(remaining:): within pageSize...maxPageSize, growing with what is left, total on any count (seeded)")
    func pageSizeRule() {
        var rng = TestRandom()
        for _ in 0..<2000 {
            let least = Int.random(in: -2...2000, using: &rng)
            let most = Int.random(in: -2...20000, using: &rng)
            let options = WatcherOptions(pageSize: least, maxPageSize: most)
            let remaining = [nil, 0, Int.max, Int.random(in: 0...10_000_000, using: &rng)].randomElement(using: &rng)!
            let size = options.pageSize(remaining: remaining)
            let floor = max(1, least)
            #expect(size >= floor && size <= max(floor, most), "\(rng): \(size) for \(least)...\(most), \(String(describing: remaining)) left")
            if let remaining, remaining < Int.max {
                #expect(options.pageSize(remaining: remaining + 1) >= size, "\(rng): smaller page for more objects")
            }
            if remaining == nil || remaining! <= floor * WatcherOptions.pagesLeft {
                #expect(size == floor, "\(rng): a small collection's pages grew")
            }
        }
        // The defaults list 250,000 objects (a million-object cluster's largest kind) in pages of
        // 1,000 after the first: 251 requests instead of 500.
        let defaults = WatcherOptions()
        #expect(defaults.pageSize(remaining: 250_000 - defaults.pageSize) == 1000)
        #expect(defaults.pageSize(remaining: 16 * 500) == 500)
    }

    /// Thousands of random creates, updates and deletes interleaved with dropped watches,
    /// watch errors and forced 410s: the store ends equal to the server.
    @Test func storeConvergesUnderChurn() async throws {
        let api = FakeKubeAPI()
        let informer = Informer<Slim>(api: api, resource: Self.widgets,
                                      options: WatcherOptions(pageSize: 50, backoff: Self.fastBackoff), transform: Self.slim)
        let run = Task { await informer.run() }
        var rng = TestRandom()
        var names: [String] = []
        for step in 0..<4000 {
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 40 || names.isEmpty {
                let name = "w\(step)"
                let ns = "ns\(step % 3)"
                _ = try await api.create(Self.widgets, namespace: ns, object: Self.widget(ns, name, 0), options: WriteOptions())
                names.append("\(ns)/\(name)")
            } else if roll < 75 {
                let key = names[Int.random(in: 0..<names.count, using: &rng)]
                let parts = key.split(separator: "/").map(String.init)
                var object = try await api.get(Self.widgets, namespace: parts[0], name: parts[1])
                object["spec"]["value"] = .int(Int64(step))
                _ = try await api.update(Self.widgets, namespace: parts[0], object: object, subresource: nil, options: WriteOptions())
            } else if roll < 97 {
                let index = Int.random(in: 0..<names.count, using: &rng)
                let parts = names.remove(at: index).split(separator: "/").map(String.init)
                try await api.delete(Self.widgets, namespace: parts[0], name: parts[1])
            } else if roll < 98 {
                api.dropWatches()
            } else if roll < 99 {
                api.dropWatches(error: KubeAPIError(reason: .transport, code: 0, message: "connection reset"))
            } else {
                api.dropWatches()
                api.compact()
            }
            if step % 200 == 0 { api.sendBookmarks() }
            if step % 50 == 0 { await Task.yield() }
        }
        try await waitUntil("\(rng)", timeout: .seconds(30)) { Self.consistent(informer, api) }
        #expect(informer.store.count == names.count, "\(rng)")
        run.cancel()
        await run.value
    }

    @Test func informerSetStartsAndStopsByResource() async throws {
        let api = FakeKubeAPI()
        _ = try await api.create(Self.widgets, namespace: "ns", object: Self.widget("ns", "a", 1), options: WriteOptions())
        let set = InformerSet(api: api)
        let informer: Informer<Slim>? = set.start(Self.widgets, options: WatcherOptions(backoff: Self.fastBackoff), transform: Self.slim)
        let again: Informer<Slim>? = set.start(Self.widgets, transform: Self.slim)
        #expect(informer != nil)
        #expect(informer === again)
        await set.waitForSync()
        #expect(set.hasSynced)
        #expect(set.resources == [Self.widgets])
        set.stop(Self.widgets)
        #expect(set.resources.isEmpty)
        try await waitUntil { api.activeWatchers == 0 }
    }
}
