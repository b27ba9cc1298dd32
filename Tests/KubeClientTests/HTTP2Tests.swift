import Foundation
import KubeCore
import TestSupport
import Testing
@testable import KubeClient

/// Against `Fixtures/h2_apiserver.py`, a server that speaks nothing but HTTP/2 (the `h2` Python
/// package, installed by `hack/setup`): the client negotiates h2 by ALPN and multiplexes every
/// request and watch of the process over one connection; cancelling a watch resets only its stream.
@Suite(.timeLimit(.minutes(1))) struct HTTP2Tests {
    struct Stats: Decodable {
        var connections: Int
        var alpn: [String?]
        var streams: Int
        var maxConcurrentStreams: Int
        var resets: Int
    }

    static func stats(_ server: FakeAPIServer) throws -> Stats {
        try JSONDecoder().decode(Stats.self, from: Data(contentsOf: URL(fileURLWithPath: "\(server.state)/stats.json")))
    }

    @Test func requestsAndWatchesMultiplexOverOneConnection() async throws {
        let server = try await FakeAPIServer.start(script: "h2_apiserver.py")
        defer { server.stop() }
        let client = KubernetesClient(configuration: try server.configuration())

        // Two watches stay open while eight slow GETs (300 ms each on the server) run at once.
        // Events each watch has seen so far, so a watch is cancelled only after it has delivered.
        let seenSoFar = LockedState<[Int: Int]>([:])
        func watch(_ id: Int) -> Task<Int, Never> {
            Task {
                var seen = 0
                do {
                    for try await event in client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: "99")) {
                        #expect(event.type == .added)
                        seen += 1
                        seenSoFar.withLock { $0[id] = seen }
                    }
                } catch is CancellationError {
                } catch {
                    Issue.record("the watch failed: \(error)")
                }
                return seen
            }
        }
        let first = watch(1)
        let second = watch(2)
        let versions = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 { group.addTask { try await client.serverVersion().gitVersion } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(versions == Array(repeating: "v1.32.0", count: 8))
        let list = try await client.list(configMaps, namespace: "default", options: ListOptions())
        #expect(list.items.map(\.name) == ["cm-0", "cm-1", "cm-2"])

        let during = try Self.stats(server)
        #expect(during.alpn == ["h2"], "ALPN per connection: \(during.alpn)")
        #expect(during.connections == 1, "\(during.connections) connections for two watches and nine requests")
        // The watches plus the concurrent GETs were open on that one connection at the same time.
        #expect(during.maxConcurrentStreams >= 4, "at most \(during.maxConcurrentStreams) streams open at once")
        #expect(during.streams == 11)

        // Cancelling a watch (an informer stopping) resets its stream only: the other watch and the
        // connection carry on. (libcurl sends the RST_STREAM the next time it services the connection.)
        try await waitUntil("the watches saw too few events: \(seenSoFar.withLock { $0 })") {
            seenSoFar.withLock { ($0[1] ?? 0) >= 2 && ($0[2] ?? 0) >= 2 }
        }
        first.cancel()
        #expect(await first.value >= 2, "the first watch saw too few events")
        try await waitUntil("the server never saw the watch stream reset") { try Self.stats(server).resets == 1 }
        #expect(try await client.serverVersion().gitVersion == "v1.32.0")
        second.cancel()
        #expect(await second.value >= 2, "the second watch saw too few events")
        #expect(try await client.serverVersion().gitVersion == "v1.32.0")
        let after = try Self.stats(server)
        #expect(after.connections == 1, "a new connection after the resets: \(after.connections)")
        #expect(after.resets == 2)
    }

    @Test func anHTTP2OnlyServerAnswersErrorsAsStatus() async throws {
        let server = try await FakeAPIServer.start(script: "h2_apiserver.py")
        defer { server.stop() }
        let client = KubernetesClient(configuration: try server.configuration())
        do {
            _ = try await client.get(configMaps, namespace: "other", name: "missing")
            Issue.record("expected 404")
        } catch let error as KubeAPIError {
            #expect(error.reason == .notFound)
            #expect(error.code == 404)
        }
    }
}
