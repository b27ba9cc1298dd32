import Foundation
import KubeCore
import Synchronization
import Testing
@testable import KubeClient

/// A burst of watch events and a consumer that does not keep up: the client must hold the server
/// back (flow control) instead of buffering the burst, keep serving other requests on its single
/// libcurl thread meanwhile, and in the end deliver every event, in order.
@Suite(.serialized, .timeLimit(.minutes(2))) struct WatchBackpressureTests {
    static let burstEvents = 16_000

    static func burstBytes(_ server: FakeAPIServer) -> Int {
        (try? String(contentsOfFile: "\(server.state)/burst-bytes", encoding: .utf8)).flatMap { Int($0) } ?? 0
    }

    @Test func slowConsumerHoldsTheServerBackAndOtherRequestsStillComplete() async throws {
        let server = try await FakeAPIServer.start(tokens: ["good-token"])
        defer { server.stop() }
        let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
        // The watch's own buffer, so the bound is on what this client holds: the process's resident
        // memory also moves with every test running beside this one.
        let buffer = WatchBuffer(limit: 256 * 1024)
        var iterator = client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: "burst"),
                                    buffer: buffer).makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(first.object.resourceVersion == "200")

        // The consumer now reads nothing. Meanwhile short requests (a lease renewal, say) must stay
        // prompt, and the server must stall once the buffer and the socket buffers are full.
        var slowest = Duration.zero
        var written = 0
        var unchangedSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(6)
        while ContinuousClock.now < deadline {
            let started = ContinuousClock.now
            _ = try await client.serverVersion()
            slowest = max(slowest, ContinuousClock.now - started)
            let now = Self.burstBytes(server)
            if now != written {
                written = now
                unchangedSince = ContinuousClock.now
            } else if ContinuousClock.now - unchangedSince > .seconds(1) {
                break  // the server is held back
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        // A GET stalled behind the paused watch would not return at all while the consumer reads
        // nothing; the bound is loose so a loaded machine (parallel suites, a Python TLS server)
        // does not fail it.
        #expect(slowest < .seconds(3), "a GET took \(slowest) during the burst")
        // 256 KiB in the client's buffer plus loopback socket buffers (a few MiB); the burst is ~40 MB.
        #expect(written < 16 << 20, "the server wrote \(written) bytes to a consumer that read one event")
        // The buffer pauses the transfer at its limit; one more chunk from libcurl (at most 16 KiB, or
        // an HTTP/2 frame) can land before the pause takes effect.
        #expect(buffer.highWater < 256 * 1024 + (1 << 20), "the client buffered \(buffer.highWater) bytes")

        // Catching up: every event arrives, in order (pausing never drops one).
        var count = 1
        var lastRV = 200
        while let event = try await iterator.next() {
            count += 1
            let rv = Int(event.object.resourceVersion ?? "") ?? -1
            if rv != lastRV + 1 {
                Issue.record("event \(count) has resourceVersion \(rv) after \(lastRV)")
                break
            }
            lastRV = rv
        }
        #expect(count == Self.burstEvents)
    }

    /// The same over HTTP/2, where the paused watch and the other requests share one connection:
    /// pausing must hold back only the watch's stream.
    @Test func overHTTP2APausedWatchDoesNotStallTheConnection() async throws {
        let server = try await FakeAPIServer.start(script: "h2_apiserver.py")
        defer { server.stop() }
        var configuration = try server.configuration()
        configuration.watchBufferLimit = 256 * 1024
        let client = KubernetesClient(configuration: configuration)
        var iterator = client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: "burst")).makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(first.object.resourceVersion == "200")

        struct Stats: Decodable { var connections: Int; var burstBytes: Int }
        func stats() -> Stats? {
            (try? Data(contentsOf: URL(fileURLWithPath: "\(server.state)/stats.json"))).flatMap { try? JSONDecoder().decode(Stats.self, from: $0) }
        }
        // /version answers after 300 ms on the server: a request on the shared connection must still
        // get through while the watch is paused.
        var slowest = Duration.zero
        var written = 0
        var unchangedSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(6)
        while ContinuousClock.now < deadline {
            let started = ContinuousClock.now
            _ = try await client.serverVersion()
            slowest = max(slowest, ContinuousClock.now - started)
            let now = stats()?.burstBytes ?? 0
            if now != written {
                written = now
                unchangedSince = ContinuousClock.now
            } else if ContinuousClock.now - unchangedSince > .seconds(1) {
                break
            }
        }
        // 300 ms of server delay; a GET stalled behind the paused stream would not return at all.
        #expect(slowest < .seconds(3), "a GET took \(slowest) while the watch was paused")
        #expect(stats()?.connections == 1)
        // Flow control: libcurl's stream window, not the ~40 MB burst.
        #expect(written < 36 << 20, "the server sent \(written) bytes to a consumer that read one event")

        var count = 1
        var lastRV = 200
        while let event = try await iterator.next() {
            count += 1
            let rv = Int(event.object.resourceVersion ?? "") ?? -1
            if rv != lastRV + 1 {
                Issue.record("event \(count) has resourceVersion \(rv) after \(lastRV)")
                break
            }
            lastRV = rv
        }
        #expect(count == Self.burstEvents)
    }
}
