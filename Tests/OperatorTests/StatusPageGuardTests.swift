import ControllerRuntime
import Foundation
import Hummingbird
import KubeCore
import KubeFake
import Logging
import NIOCore
import Testing
import TestSupport
@testable import FluxReportOperator

/// The status page's defences against hostile and careless clients: the Host check, the
/// per-client request budget, the event-stream caps and their shutdown, and shared computations.
/// The server tests run the real router on a loopback port and talk to it over plain sockets, from
/// several 127/8 source addresses (several clients).
@Suite struct StatusPageHostTests {
    static let listed = "status.example.com, *.apps.example.org"

    @Test(arguments: [
        "127.0.0.1", "127.0.0.1:9080", "10.96.0.12:9080", "0.0.0.0", "255.255.255.255:1", "localhost", "localhost:9080",
        "LOCALHOST:9080", "LocalHost", "localhost.", "localhost.:9080", "[::1]", "[::1]:9080", "[::]", "[fd00::1:2]:80",
        "[::ffff:127.0.0.1]:9080", "[2001:DB8::1]", "status.example.com", "STATUS.Example.COM:443", "status.example.com.",
        "a.apps.example.org", "x.y.apps.example.org:8443",
    ])
    func answered(host: String) throws {
        #expect(try AllowedHosts(parsing: Self.listed).allows(host: host), "\(host)")
    }

    @Test(arguments: [
        "", " ", "evil.example", "evil.example:9080", "127.0.0.1.evil.example", "127.0.0.1.nip.io", "7f000001.7f000002.rbndr.us",
        "localhost.evil.example", "evil-localhost", "localhostx", "status.example.com.evil.example", "apps.example.org",
        "xapps.example.org", "example.com", "127.0.0.1:", "127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:80:80", "localhost:port",
        "1.2.3.256", "1.2.3", "01.2.3.4.5", "[::1", "[::1]x", "[::1]:", "[::1]:99999", "::1", "[evil.example]", "[fe80::1%25eth0]",
        "[::1]:9080@evil.example", "user@localhost", "localhost/x", "localhost\u{0}", "l\u{0131}calhost", "lоcalhost", "localhost..",
        ".localhost", "*.apps.example.org", String(repeating: "a.", count: 200) + "localhost",
    ])
    func refused(host: String) throws {
        #expect(try !AllowedHosts(parsing: Self.listed).allows(host: host), "\(host)")
    }

    @Test func missingHostIsRefusedUnlessTheCheckIsOff() throws {
        #expect(!AllowedHosts().allows(host: nil))
        #expect(try AllowedHosts(parsing: "*").allows(host: nil))
        #expect(try AllowedHosts(parsing: "*").allows(host: "evil.example"))
    }

    @Test func onlyIPLiteralsAndLocalhostByDefault() {
        #expect(AllowedHosts().allows(host: "127.0.0.1:9080") && AllowedHosts().allows(host: "localhost:9080"))
        #expect(!AllowedHosts().allows(host: "status.example.com"))
    }

    @Test(arguments: ["https://status.example.com", "status.example.com:443", "status.example.com/x", "*", "*.", "**.example.com",
                      "a.*.example.com", "-bad.example.com", "bad..example.com", "exämple.com", "a b"])
    func patterns(pattern: String) {
        // Every pattern here but `*` is malformed.
        if pattern == "*" {
            #expect(throws: Never.self) { try AllowedHosts(parsing: pattern) }
        } else {
            #expect(throws: AllowedHosts.InvalidPattern.self) { try AllowedHosts(parsing: pattern) }
        }
    }

    @Test func theFlag() throws {
        func resolve(_ arguments: [String]) throws -> OperatorConfiguration {
            try RunCommand.parse(arguments).resolve(environment: [:], serviceAccountNamespaceFile: "/nonexistent")
        }
        #expect(try resolve([]).webAllowedHosts == AllowedHosts())
        let configured = try resolve(["--web-allowed-hosts", " Status.Example.com ,,*.apps.example.org "]).webAllowedHosts
        #expect(configured.description == "status.example.com,*.apps.example.org")
        #expect(configured.allows(host: "status.example.com:9080") && !configured.allows(host: "evil.example"))
        #expect(throws: (any Error).self) { try resolve(["--web-allowed-hosts", "http://status.example.com"]) }
    }
}

@Suite struct StatusPageRateLimitTests {
    @Test func aClientOverItsBudgetIsToldWhenToComeBack() {
        let clock = ManualClock()
        let limiter = ClientRateLimiter(ratePerSecond: 2, burst: 3, clock: clock)
        let a = ClientAddress.v4(0x7F00_0001), b = ClientAddress.v4(0x7F00_0002)
        for _ in 0..<3 { #expect(limiter.admit(a) == nil) }
        #expect(limiter.admit(a) == 1)
        // Another client has its own budget.
        #expect(limiter.admit(b) == nil)
        clock.advance(by: .milliseconds(500))
        #expect(limiter.admit(a) == nil)
        #expect(limiter.admit(a) == 1)
        // A slower refill: the wait is rounded up to whole seconds.
        let slow = ClientRateLimiter(ratePerSecond: 0.25, burst: 1, clock: clock)
        #expect(slow.admit(a) == nil)
        #expect(slow.admit(a) == 4)
    }

    @Test func bucketsAreBoundedFullOnesForgottenFirst() {
        let clock = ManualClock()
        let limiter = ClientRateLimiter(ratePerSecond: 1, burst: 2, capacity: 2, clock: clock)
        let drained = ClientAddress.v4(1), refilled = ClientAddress.v4(2)
        #expect(limiter.admit(drained) == nil && limiter.admit(drained) == nil && limiter.admit(drained) == 1)
        clock.advance(by: .milliseconds(1))
        #expect(limiter.admit(refilled) == nil)
        // 1.5 s later the newer bucket is full again (forgotten first), the older one is not.
        clock.advance(by: .milliseconds(1500))
        #expect(limiter.admit(.v4(3)) == nil)
        #expect(limiter.trackedClients == 2)
        #expect(limiter.admit(drained) == nil)
        #expect(limiter.admit(drained) == 1, "the drained client's bucket was forgotten: a new one would hold 2 tokens")
        // Many clients: never more buckets than the capacity.
        for client in 10..<100 {
            clock.advance(by: .milliseconds(1))
            #expect(limiter.admit(.v4(UInt32(client))) == nil)
            #expect(limiter.trackedClients <= 2)
        }
    }

    @Test func ipv6ClientsCountByTheirSlash64() throws {
        let a = ClientAddress(try SocketAddress(ipAddress: "2001:db8:1:2::1", port: 1))
        let b = ClientAddress(try SocketAddress(ipAddress: "2001:db8:1:2:ffff::9", port: 2))
        let c = ClientAddress(try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(a == b && a != c)
        #expect(ClientAddress(try SocketAddress(ipAddress: "::ffff:10.0.0.1", port: 1)) == ClientAddress(try SocketAddress(ipAddress: "10.0.0.1", port: 1)))
        #expect(ClientAddress(try SocketAddress(ipAddress: "10.0.0.1", port: 1)) == .v4(0x0A00_0001))
        #expect(ClientAddress(nil) == .unknown)
    }
}

@Suite struct StatusPageSharedComputationTests {
    /// Twenty requests while one computation runs, the caches moving on under each: one
    /// computation, its result for all; then one more for a newer version, and none for an older.
    @Test func waitersShareOneComputation() async throws {
        let executor = DedicatedExecutor(name: "shared-computation-test")
        defer { executor.stop() }
        let shared = SharedComputation<String, Int>(executor: executor)
        let count = LockedState(0)
        let gate = DispatchSemaphore(value: 0)
        let compute: @Sendable () -> Int = {
            let n = count.withLock { $0 += 1; return $0 }
            gate.wait()
            return n
        }
        let results = Task {
            await withTaskGroup(of: Int.self) { group in
                for version in 1...20 { group.addTask { await shared.value(for: "page", version: UInt64(version), compute: compute) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        try await waitUntil("every request arrived", interval: .milliseconds(5)) { shared.requests == 20 }
        gate.signal()
        #expect(await results.value == Array(repeating: 1, count: 20))
        #expect(shared.computations == 1)
        gate.signal()
        #expect(await shared.value(for: "page", version: 21, compute: compute) == 2)
        #expect(await shared.value(for: "page", version: 7, compute: compute) == 2)
        #expect(await shared.value(for: "page", version: 21, compute: compute) == 2)
        #expect(shared.computations == 2)
        // Another key is another computation.
        gate.signal()
        #expect(await shared.value(for: "other", version: 21, compute: compute) == 3)
    }

    @Test func keysAreBounded() async {
        let shared = SharedComputation<Int, Int>(executor: nil, capacity: 4)
        for key in 0..<50 { #expect(await shared.value(for: key, version: 1) { key * 2 } == key * 2) }
        #expect(shared.computations == 50)
        // The most recent keys are still known.
        #expect(await shared.value(for: 49, version: 1) { -1 } == 98)
        #expect(shared.computations == 50)
    }
}

@Suite struct StatusPageStreamTests {
    /// Random bursts of admissions from random clients, all at once: exactly as many admitted as
    /// the caps allow, never more per client, and every slot back once the responses are gone.
    @Test func capsAreExactUnderAConcurrentBurst() async throws {
        let seed = ProcessInfo.processInfo.environment["TEST_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed)
        for round in 0..<20 {
            let total = Int(random.next() % 80) + 1, perClient = Int(random.next() % 12) + 1
            let streams = EventStreams(feed: ChangeFeed(), maxStreams: total, maxStreamsPerClient: perClient)
            let clients = (0..<Int(random.next() % 400)).map { _ in ClientAddress.v4(UInt32(random.next() % 30)) }
            var wanted: [ClientAddress: Int] = [:]
            for client in clients { wanted[client, default: 0] += 1 }
            let expected = min(total, wanted.values.reduce(0) { $0 + min($1, perClient) })
            let slots = await withTaskGroup(of: EventStreams.Slot?.self) { group in
                for client in clients { group.addTask { try? streams.admit(client).get() } }
                return await group.reduce(into: [EventStreams.Slot]()) { if let slot = $1 { $0.append(slot) } }
            }
            #expect(slots.count == expected, "seed \(seed) round \(round)")
            #expect(streams.openStreams == expected, "seed \(seed) round \(round)")
            for client in wanted.keys { #expect(streams.openStreams(of: client) <= perClient, "seed \(seed) round \(round)") }
            _ = consume slots
            // A finished child task may still hold its result for a moment after the group returns it.
            try await waitUntil("seed \(seed) round \(round): every slot given back", timeout: .seconds(10), interval: .milliseconds(1)) {
                streams.openStreams == 0
            }
        }
    }

    @Test func aResponseDroppedUnsentGivesItsSlotBack() {
        let streams = EventStreams(feed: ChangeFeed(), maxStreams: 1)
        var response: Response? = streams.response(for: .v4(1))
        #expect(response?.status == .ok && streams.openStreams == 1)
        #expect(streams.response(for: .v4(2)).status == .serviceUnavailable)
        response = nil
        #expect(response == nil && streams.openStreams == 0)
        #expect(streams.response(for: .v4(2)).status == .ok)
    }

    /// One address holds every stream it may; another still gets one, and its change events.
    @Test func oneClientsStreamsDoNotStarveAnother() async throws {
        let feed = ChangeFeed()
        let streams = EventStreams(feed: feed, tick: .milliseconds(20), maxStreams: 10, maxStreamsPerClient: 4)
        try await StatusPageServer.run(feed: feed, streams: streams) { server in
            var held: [RawConnection] = []
            defer { for connection in held { connection.close() } }
            for _ in 0..<4 { held.append(try await server.openStream(from: "127.0.0.1")) }
            let refused = try await RawConnection.request(port: server.port, path: "/api/v1/events", headers: ["Host: localhost"])
            #expect(refused.status == 429 && refused.headers["retry-after"] != nil)
            let other = try await server.openStream(from: "127.0.0.2")
            held.append(other)
            feed.touch()
            let version = feed.version
            _ = try await other.read { $0.contains("data: {\"version\":\(version)}") }.checked()
            // The global cap: 4 + 4 + 2, then 503 for a fourth address.
            for _ in 0..<3 { held.append(try await server.openStream(from: "127.0.0.2")) }
            for _ in 0..<2 { held.append(try await server.openStream(from: "127.0.0.3")) }
            let full = try await RawConnection.request(port: server.port, from: "127.0.0.4", path: "/api/v1/events", headers: ["Host: localhost"])
            #expect(full.status == 503)
            // A closed stream frees its place.
            held.removeFirst().close()
            // The server notices a gone client when it writes to it: changes make it write.
            try await waitUntil("the closed stream is released", timeout: .seconds(10), interval: .milliseconds(10)) {
                feed.touch()
                return streams.openStreams == 9
            }
            held.append(try await server.openStream(from: "127.0.0.4"))
        }
    }

    /// With a tick of a minute, streams still end at once when the page shuts down.
    @Test func closeEndsEveryStreamAtOnce() async throws {
        let feed = ChangeFeed()
        let streams = EventStreams(feed: feed, tick: .seconds(60), keepalive: .seconds(60))
        try await StatusPageServer.run(feed: feed, streams: streams) { server in
            var held: [RawConnection] = []
            defer { for connection in held { connection.close() } }
            for i in 0..<6 { held.append(try await server.openStream(from: "127.0.0.\(i % 3 + 1)")) }
            let started = ContinuousClock.now
            streams.close()
            for connection in held {
                // The chunked body's last chunk: the response is complete.
                _ = try await connection.read(timeout: .seconds(5)) { $0.contains("0\r\n\r\n") }.checked()
            }
            #expect(ContinuousClock.now - started < .seconds(5))
            try await waitUntil("every stream released", timeout: .seconds(5), interval: .milliseconds(10)) { streams.openStreams == 0 }
            let refused = try await RawConnection.request(port: server.port, path: "/api/v1/events", headers: ["Host: localhost"])
            #expect(refused.status == 503)
        }
    }
}

@Suite struct StatusPageGateTests {
    /// Odd Host headers against the real router: refused ones get 421, one plain line and no data.
    @Test func foreignHostsGetNoData() async throws {
        let hosts = try AllowedHosts(parsing: "status.example.com,*.apps.example.org")
        try await StatusPageServer.run(hosts: hosts) { server in
            let port = server.port
            let answered: [[String]] = [
                ["Host: 127.0.0.1:\(port)"], ["Host: localhost:\(port)"], ["Host: LOCALHOST:\(port)"], ["Host: localhost."],
                ["Host: [::1]:\(port)"], ["Host: status.example.com"], ["Host: team.apps.example.org:443"],
            ]
            for headers in answered {
                let response = try await RawConnection.request(port: port, headers: headers)
                #expect(response.status == 200, "\(headers)")
                #expect(response.body.contains("\"total\""), "\(headers)")
            }
            let refused: [[String]] = [
                [], ["Host:"], ["Host: evil.example:\(port)"], ["Host: 127.0.0.1.evil.example"], ["Host: 7f000001.c0a80001.rbndr.us:\(port)"],
                ["Host: localhost.evil.example"], ["Host: apps.example.org"], ["Host: 127.0.0.1", "Host: evil.example"],
                ["Host: evil.example", "Host: 127.0.0.1"], ["Host: localhost:port"], ["Host: [::1"],
            ]
            for headers in refused {
                for path in ["/api/v1/resources?limit=1", "/api/v1/overview", "/api/v1/report", "/api/v1/events", "/", "/nope"] {
                    let response = try await RawConnection.request(port: port, path: path, headers: headers)
                    #expect(response.status == 421, "\(headers) \(path)")
                    #expect(response.headers["content-type"]?.hasPrefix("text/plain") == true, "\(headers) \(path)")
                    #expect(!response.body.contains("{") && response.body.split(separator: "\n").count == 1, "\(headers) \(path): \(response.body)")
                }
            }
            // Not found is still not found for an answered host.
            #expect(try await RawConnection.request(port: port, path: "/nope", headers: ["Host: localhost"]).status == 404)
        }
    }

    @Test func aClientOverItsBudgetGets429WithRetryAfterAndOthersDoNot() async throws {
        let limiter = ClientRateLimiter(ratePerSecond: 0.01, burst: 3)
        try await StatusPageServer.run(limiter: limiter) { server in
            for _ in 0..<3 {
                #expect(try await RawConnection.request(port: server.port, from: "127.0.0.5", headers: ["Host: localhost"]).status == 200)
            }
            let limited = try await RawConnection.request(port: server.port, from: "127.0.0.5", headers: ["Host: localhost"])
            #expect(limited.status == 429)
            #expect(limited.headers["retry-after"].flatMap(Int.init).map { $0 >= 1 } == true)
            #expect(!limited.body.contains("\"total\""))
            #expect(try await RawConnection.request(port: server.port, from: "127.0.0.6", headers: ["Host: localhost"]).status == 200)
            // Event streams are not charged: they have caps of their own.
            let stream = try await server.openStream(from: "127.0.0.5")
            stream.close()
        }
    }
}

/// The status page's router on `127.0.0.1:0`, over caches that are never started (empty).
struct StatusPageServer {
    let port: Int

    static func run(hosts: AllowedHosts = AllowedHosts(), limiter: ClientRateLimiter = ClientRateLimiter(),
                    feed: ChangeFeed = ChangeFeed(), streams: EventStreams? = nil, basePath: WebBasePath = WebBasePath(),
                    _ body: (StatusPageServer) async throws -> Void) async throws {
        let logger = Logger(label: "status-page-test")
        let api = FakeKubeAPI()
        let cache = ClusterCache(api: api, namespace: "flux-system", logger: logger)
        let data = StatusPageData(api: api, cache: cache, feed: feed, streams: streams, logger: logger)
        let server = RuntimeHTTPServer(address: ListenAddress(host: "127.0.0.1", port: 0),
                                       router: StatusPageRoutes.router(page: data, gate: StatusPageGate(hosts: hosts, limiter: limiter), basePath: basePath),
                                       logger: logger)
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        let port = await server.boundPort()
        do {
            try await body(StatusPageServer(port: port))
        } catch {
            data.streams.close()
            throw error
        }
        data.streams.close()
        serving.cancel()
        _ = await serving.result
    }

    /// An event stream from `source`, its first event read.
    func openStream(from source: String) async throws -> RawConnection {
        let connection = try await RawConnection.connect("127.0.0.1", port, from: source)
        try await connection.send("GET /api/v1/events HTTP/1.1\r\nHost: localhost:\(port)\r\n\r\n")
        let head = try await connection.read { $0.contains("event: change") || ($0.contains("\r\n\r\n") && !$0.hasPrefix("HTTP/1.1 200")) }.checked().text
        guard head.hasPrefix("HTTP/1.1 200") else {
            connection.close()
            throw RawConnection.Failure(description: "stream from \(source) refused: \(head.prefix(200))")
        }
        return connection
    }
}
