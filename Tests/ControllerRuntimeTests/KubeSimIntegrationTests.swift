import KubeClient
import KubeCore
import KubeSim
import TestSupport
import Testing
@testable import ControllerRuntime

/// The informer and leader election against the simulated API server over HTTP, through the
/// real libcurl `KubernetesClient`.
@Suite("KubeSim integration", .serialized)
struct KubeSimIntegrationTests {
    static func start() async throws -> (KubeSim, KubernetesClient) {
        var options = KubeSimOptions()
        options.plainHTTP = true
        options.bookmarkInterval = .milliseconds(200)
        let sim = try await KubeSim.start(options)
        let client = KubernetesClient(configuration: ClientConfiguration(
            server: sim.url, authentication: .bearerToken(sim.token), qps: 5000, burst: 5000))
        return (sim, client)
    }

    static func configMap(_ name: String, _ value: Int) -> JSONValue {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "default"],
         "data": ["value": .string(String(value))]]
    }

    static func slim(_ object: JSONValue) -> Slim? {
        Slim(key: object.objectKey, resourceVersion: object.resourceVersion ?? "", value: Int64(object[path: "data", "value"].string ?? "") ?? -1)
    }

    static func consistent(_ informer: Informer<Slim>, _ sim: KubeSim, _ client: KubernetesClient) async throws -> Bool {
        let server = try await client.listAll(.configMaps, namespace: "default")
        let cached = informer.store.snapshot()
        guard server.items.count == cached.count else { return false }
        for item in server.items where cached[item.objectKey] != slim(item) { return false }
        return true
    }

    @Test func informerConvergesUnderChurnOverHTTP() async throws {
        let (sim, client) = try await Self.start()
        let informer = Informer<Slim>(api: client, resource: .configMaps,
                                      options: WatcherOptions(namespace: "default", pageSize: 50,
                                                               backoff: Backoff(initial: .milliseconds(10), max: .milliseconds(100), jitter: 0.2)),
                                      transform: Self.slim)
        let run = Task { await informer.run() }
        await informer.waitForSync()
        var names: [String] = []
        var rng = TestRandom()
        for step in 0..<1500 {
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 45 || names.isEmpty {
                let name = "cm\(step)"
                _ = try await client.create(.configMaps, namespace: "default", object: Self.configMap(name, step), options: WriteOptions())
                names.append(name)
            } else if roll < 75 {
                let name = names[Int.random(in: 0..<names.count, using: &rng)]
                _ = try await client.patch(.configMaps, namespace: "default", name: name,
                                           patch: .merge(["data": ["value": .string(String(step))]]), subresource: nil, options: WriteOptions())
            } else if roll < 97 {
                let name = names.remove(at: Int.random(in: 0..<names.count, using: &rng))
                try await client.delete(.configMaps, namespace: "default", name: name)
            } else if roll < 99 {
                _ = sim.dropWatches()
            } else {
                _ = sim.dropWatches()
                _ = sim.compactHistory()
            }
        }
        try await waitUntil("the informer converged, \(rng)") { try await Self.consistent(informer, sim, client) }
        // Steady state: later changes arrive through the watch, with no LIST while nothing fails.
        let lists = informer.listCount
        for index in 0..<3 {
            _ = try await client.create(.configMaps, namespace: "default", object: Self.configMap("steady\(index)", index), options: WriteOptions())
        }
        try await waitUntil("\(rng)", timeout: .seconds(20)) { informer.store.keys.contains("default/steady2") }
        #expect(informer.listCount == lists, "\(rng)")
        run.cancel()
        await run.value
        await sim.stop()
    }

    /// A watch sent but not yet answered does not make the cache current: a slow server may answer
    /// a resumed watch only after a `requestedAt` came, with changes made before it still to replay.
    /// Until the server accepts the watch, the cache covers neither the request nor `.live`; the
    /// relist the reconciler then asks for brings the change.
    @Test func unansweredWatchCoversNoRequest() async throws {
        let (sim, client) = try await Self.start()
        _ = try await client.create(.configMaps, namespace: "default", object: Self.configMap("a", 1), options: WriteOptions())
        let informer = Informer<Slim>(api: client, resource: .configMaps, options: WatcherOptions(namespace: "default"),
                                      transform: Self.slim)
        let run = Task { await informer.run() }
        await informer.waitForSync()
        try await waitUntil { informer.isLive }
        // From now on every watch waits 3 s for the server's answer; the running one is dropped.
        sim.injectFault(Fault(path: "/api/v1/namespaces/default/configmaps", verb: "watch", delayMilliseconds: 3000))
        let watches = sim.requestCount(verb: "watch")
        _ = sim.dropWatches()
        try await waitUntil { sim.requestCount(verb: "watch") > watches }
        // A change the resumed watch will replay only once answered; then a request.
        _ = try await client.patch(.configMaps, namespace: "default", name: "a", patch: .merge(["data": ["value": "2"]]),
                                   subresource: nil, options: WriteOptions())
        let instant = ContinuousClock.now
        #expect(informer.store.get("default/a")?.value == 1, "the delayed watch delivered early: the test proves nothing")
        #expect(!informer.satisfies(.asOf(instant, resourceVersion: nil)), "an unanswered watch covered a request")
        #expect(!informer.isLive, "an unanswered watch counted as live")
        informer.requestRelist(after: instant)
        try await waitUntil(timeout: .seconds(20)) { informer.satisfies(.asOf(instant, resourceVersion: nil)) }
        #expect(informer.store.get("default/a")?.value == 2, "covered a request without the change made before it")
        sim.clearFaults()
        run.cancel()
        await run.value
        await sim.stop()
    }

    /// The client's lazily parsed LIST pages hold the same items, resourceVersion and continue
    /// tokens as its `JSONValue` pages, odd strings included.
    @Test func listPagesMatchListsOverHTTP() async throws {
        let (sim, client) = try await Self.start()
        for i in 0..<120 {
            var object = Self.configMap("cm\(i)", i)
            object["data"]["text"] = .string(["é\u{0301}", "quote\" back\\ tab\t", "😀/\u{1}", ""][i % 4] + String(i))
            object["metadata"]["labels"] = ["k": .string("v\(i % 3)")]
            _ = try await client.create(.configMaps, namespace: "default", object: object, options: WriteOptions())
        }
        var options = ListOptions(limit: 50)
        var pages = 0
        repeat {
            let list = try await client.list(.configMaps, namespace: "default", options: options)
            let page = try await client.listPage(.configMaps, namespace: "default", options: options)
            guard case .nodes(let nodes) = page.items else {
                Issue.record("KubernetesClient.listPage returned trees")
                break
            }
            #expect(nodes.map(\.value) == list.items)
            #expect(nodes.map(\.objectKey) == list.items.map(\.objectKey))
            #expect(nodes.map(\.labels) == list.items.map(\.labels))
            #expect(page.resourceVersion == list.resourceVersion)
            #expect(page.continueToken == list.continueToken)
            options.continueToken = page.continueToken
            pages += 1
        } while options.continueToken != nil && pages < 10
        #expect(pages == 3)
        await sim.stop()
    }

    @Test func leaderFailoverOverHTTP() async throws {
        let (sim, client) = try await Self.start()
        let first = LeaderElector(api: client, configuration: LeaderElectionTests.config("one", release: false))
        let second = LeaderElector(api: client, configuration: LeaderElectionTests.config("two"))
        let runFirst = Task { await first.run() }
        try await waitUntil { first.isLeader }
        let runSecond = Task { await second.run() }
        // The standby found the live lease three times in a row and kept off it.
        try await waitUntil { second.deferrals >= 3 }
        #expect(!second.isLeader)
        runFirst.cancel()
        await runFirst.value
        let stopped = ContinuousClock.now
        try await waitUntil(timeout: .seconds(15)) { second.isLeader }
        // Once the unreleased lease expires, at the standby's next retry (loosely bounded for a loaded machine).
        let tookOver = ContinuousClock.now - stopped
        #expect(tookOver > LeaderElectionTests.leaseDuration - .milliseconds(200), "took over after \(tookOver), before the lease expired")
        #expect(tookOver < LeaderElectionTests.leaseDuration * 2, "took over only after \(tookOver)")
        runSecond.cancel()
        await runSecond.value
        // Released on shutdown.
        let lease = try await client.get(.leases, namespace: "default", name: "test-lease")
        #expect(lease[path: "spec", "holderIdentity"].string == "")
        await sim.stop()
    }
}

extension KubeSimIntegrationTests {
    @Test func eventsAggregateOnTheSimulator() async throws {
        let (sim, client) = try await Self.start()
        let recorder = EventRecorder(api: client, options: EventRecorderTests.options)
        let object = ObjectReference(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "subject", uid: "u-9")
        for _ in 0..<4 { #expect(await recorder.publish(object, type: .warning, reason: "Broken", message: "still broken")) }
        let events = try await client.listAll(.events, namespace: "default")
        #expect(events.items.count == 1)
        #expect(events.items.first?[path: "series", "count"].int == 4)
        await sim.stop()
    }
}

extension KubeSimIntegrationTests {
    /// The API server counts an Event's limits in UTF-8 bytes: a 600-character CJK note is ~1,800
    /// bytes. The recorder cuts each field to its byte limit on a character boundary, so the event
    /// is stored (KubeSim rejects an over-long note with the API server's 422).
    @Test func longMultibyteEventsAreStored() async throws {
        let (sim, client) = try await Self.start()
        let cjk = String(repeating: "同步失败：无法解析清单。", count: 50)  // 600 characters, 1,800 bytes
        let family = "👨‍👩‍👧‍👦"  // one character of 25 bytes (7 scalars)
        let messages = [
            cjk,
            String(repeating: family, count: 60),
            String(repeating: "a\r\n", count: 400) + cjk,
            String(repeating: "x", count: 1023) + "\r\n" + cjk,  // the CRLF (one character) would cross the limit
            String(repeating: "🇯🇵", count: 200),
        ]
        let rawNote = String(repeating: "é", count: 600)
        var note: JSONValue = ["apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "raw", "namespace": "default"],
                               "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "c", "reportingInstance": "i",
                               "action": "A", "reason": "R", "type": "Normal", "note": .string(rawNote),
                               "regarding": ["kind": "ConfigMap", "namespace": "default", "name": "subject"]]
        await #expect(throws: KubeAPIError.self) { _ = try await client.create(.events, namespace: "default", object: note, options: WriteOptions()) }
        note["note"] = .string(String(rawNote.prefix(512)))
        _ = try await client.create(.events, namespace: "default", object: note, options: WriteOptions())

        let recorder = EventRecorder(api: client, options: EventRecorderTests.options)
        for (index, message) in messages.enumerated() {
            let object = ObjectReference(apiVersion: "v1", kind: "ConfigMap", namespace: "default", name: "subject-\(index)", uid: "u-\(index)")
            #expect(await recorder.publish(object, type: .warning, reason: "ReconciliationFailed", message: message), "message \(index)")
        }
        let events = try await client.listAll(.events, namespace: "default").items.filter { $0.name != "raw" }
        #expect(events.count == messages.count)
        for event in events {
            let stored = try #require(event["note"].string)
            let index = try #require(Int(event[path: "regarding", "name"].string?.split(separator: "-").last ?? ""))
            #expect(stored.utf8.count <= 1024, "message \(index): \(stored.utf8.count) bytes")
            #expect(stored.hasSuffix("…"))
            // A prefix of whole characters: nothing split, not even a CRLF or a ZWJ family.
            #expect(messages[index].hasPrefix(String(stored.dropLast())))
            #expect(stored.utf8.count > 1024 - 30, "message \(index) cut shorter than needed")
        }
        await sim.stop()
    }
}
