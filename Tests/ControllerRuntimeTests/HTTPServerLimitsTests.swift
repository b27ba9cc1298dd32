import Foundation
import Hummingbird
import KubeCore
import Logging
import ServiceLifecycle
import Testing
import TestSupport
@testable import ControllerRuntime

/// The runtime's HTTP servers against real sockets: what a hostile or careless client can hold.
/// Limits are short (hundreds of milliseconds) so the tests run fast; each waits on the event it
/// checks (the server closing the socket, a counter), bounded by a timeout.
@Suite("HTTP server limits", .serialized)
struct HTTPServerLimitsTests {
    static let short = HTTPServerLimits(maxConnections: 8, headerReadTimeout: .milliseconds(300), idleTimeout: .milliseconds(400),
                                        writeTimeout: .milliseconds(300), shutdownTimeout: .milliseconds(300))

    /// `/ok` answers; `/stream` writes 64 KiB chunks until the write fails, then counts itself done.
    static func router(streamsEnded: LockedState<Int>? = nil) -> Router<ConnectionRequestContext> {
        let router = Router(context: ConnectionRequestContext.self)
        router.get("/ok") { _, _ in "ok" }
        router.get("/stream") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody { writer in
                defer { streamsEnded?.withLock { $0 += 1 } }
                let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: 65536)
                while true { try await writer.write(chunk) }
            })
        }
        return router
    }

    /// Runs `server` for `body`, then shuts it down gracefully and waits for `run()` to end.
    static func serving<T>(_ server: RuntimeHTTPServer, _ body: (Int) async throws -> T) async throws -> T {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let port = await server.boundPort()
        do {
            let result = try await body(port)
            await group.triggerGracefulShutdown()
            try await running.value
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = await running.result
            throw error
        }
    }

    static func server(_ address: String = "127.0.0.1:0", limits: HTTPServerLimits = short,
                       streamsEnded: LockedState<Int>? = nil) throws -> RuntimeHTTPServer {
        RuntimeHTTPServer(address: try ListenAddress(parsing: address), router: router(streamsEnded: streamsEnded),
                          limits: limits, logger: Logger(label: "test"))
    }

    @Test func aPartialRequestHeadIsClosedAfterTheHeaderTimeout() async throws {
        try await Self.serving(try Self.server()) { port in
            let client = try await RawConnection.connect("127.0.0.1", port)
            try await client.send("GET /ok HTTP/1.1\r\nHost: x\r\nX-Padding: " + String(repeating: "a", count: 16 * 1024))
            let start = ContinuousClock.now
            let closed = await client.read(timeout: .seconds(10)).closed
            let elapsed = ContinuousClock.now - start
            #expect(closed, "a stalled request head was not closed within 10 s")
            // The deadline is 300 ms; the bound leaves room for a starved event loop (5.03 s was seen
            // with both cores running a sanitizer build), not for a deadline that is never armed.
            #expect(elapsed < .seconds(9))
            // A connection that sends nothing at all is closed the same way.
            let silent = try await RawConnection.connect("127.0.0.1", port)
            #expect(await silent.read(timeout: .seconds(10)).closed)
        }
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        // The header deadline is long here: the close can only come from the idle timeout.
        var limits = Self.short
        limits.headerReadTimeout = .seconds(30)
        try await Self.serving(try Self.server(limits: limits)) { port in
            let client = try await RawConnection.connect("127.0.0.1", port)
            try await client.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.readResponse() == 200)
            // Keep-alive: a second request on the same connection is served.
            try await client.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.readResponse() == 200)
            let start = ContinuousClock.now
            #expect(await client.read(timeout: .seconds(10)).closed, "an idle connection was kept beyond 10 s")
            #expect(ContinuousClock.now - start >= .milliseconds(300))
        }
    }

    @Test func aLaterRequestHeadHasItsOwnDeadline() async throws {
        // Idle for long, header for short: after one request, half a head is closed at the header deadline.
        var limits = Self.short
        limits.idleTimeout = .seconds(30)
        try await Self.serving(try Self.server(limits: limits)) { port in
            let client = try await RawConnection.connect("127.0.0.1", port)
            try await client.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.readResponse() == 200)
            try await client.send("GET /ok HTTP/1.1\r\nHost: ")
            let start = ContinuousClock.now
            #expect(await client.read(timeout: .seconds(10)).closed)
            #expect(ContinuousClock.now - start < .seconds(5))
        }
    }

    @Test func connectionsOverTheCapAreClosedAtOnce() async throws {
        var limits = Self.short
        limits.maxConnections = 3
        limits.headerReadTimeout = .seconds(30)
        limits.idleTimeout = .seconds(30)
        let server = try Self.server(limits: limits)
        try await Self.serving(server) { port in
            var held: [RawConnection] = []
            for _ in 0..<3 { held.append(try await RawConnection.connect("127.0.0.1", port)) }
            try await waitUntil(timeout: .seconds(10)) { server.openConnections == 3 }
            let extra = try await RawConnection.connect("127.0.0.1", port)
            let start = ContinuousClock.now
            #expect(await extra.read(timeout: .seconds(10)).closed, "a connection over the cap was kept")
            #expect(ContinuousClock.now - start < .seconds(5))
            // The ones held still work, and a slot freed is usable again.
            try await held[0].send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await held[0].readResponse() == 200)
            held.removeFirst()  // closes the socket
            try await waitUntil(timeout: .seconds(10)) { server.openConnections == 2 }
            let next = try await RawConnection.connect("127.0.0.1", port)
            try await next.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await next.readResponse() == 200)
        }
    }

    @Test func aResponseNobodyReadsIsDroppedAfterTheWriteTimeout() async throws {
        let ended = LockedState(0)
        let server = try Self.server(streamsEnded: ended)
        try await Self.serving(server) { port in
            let client = try await RawConnection.connect("127.0.0.1", port, receiveBuffer: 4096)
            try await client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            // The client never reads: the socket buffers fill, the write deadline passes, the
            // server closes the connection and the handler's pending write fails.
            try await waitUntil("the response's task ends", timeout: .seconds(10)) { ended.withLock { $0 } == 1 }
            try await waitUntil(timeout: .seconds(10)) { server.openConnections == 0 }
        }
    }

    @Test func gracefulShutdownIsBoundedWhateverClientsDo() async throws {
        let ended = LockedState(0)
        // Every deadline long: only the shutdown can close these connections.
        let limits = HTTPServerLimits(maxConnections: 8, headerReadTimeout: .seconds(60), idleTimeout: .seconds(60),
                                      writeTimeout: .seconds(60), shutdownTimeout: .milliseconds(300))
        let server = try Self.server(limits: limits, streamsEnded: ended)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [server], logger: Logger(label: "test")))
        let running = Task { try await group.run() }
        let port = await server.boundPort()
        // A half-read stream, a partial head and an idle keep-alive connection.
        let reader = try await RawConnection.connect("127.0.0.1", port, receiveBuffer: 4096)
        try await reader.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = await reader.read(timeout: .seconds(5)) { $0.utf8.count > 1000 }
        let partial = try await RawConnection.connect("127.0.0.1", port)
        try await partial.send("GET /ok HTTP/1.1\r\nHost:")
        let idle = try await RawConnection.connect("127.0.0.1", port)
        try await idle.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await idle.readResponse() == 200)
        try await waitUntil(timeout: .seconds(10)) { server.openConnections == 3 }

        let start = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        let took = ContinuousClock.now - start
        #expect(took < .seconds(3), "shutdown took \(took) with a 300 ms grace")
        #expect(server.openConnections == 0)
        #expect(ended.withLock { $0 } == 1)
        await #expect(throws: RawConnection.Failure.self) { _ = try await RawConnection.connect("127.0.0.1", port) }
    }

    @Test func aSecondServerOnTheSamePortFailsWithAClearError() async throws {
        try await Self.serving(try Self.server()) { port in
            let second = try Self.server("127.0.0.1:\(port)")
            do {
                try await second.run()
                Issue.record("a second server bound the same port")
            } catch let error as RuntimeHTTPServer.BindError {
                #expect(error.description == "cannot listen on 127.0.0.1:\(port): address already in use (another process, or another instance of this one, listens on it)")
            }
        }
    }

    @Test func anyInterfaceListensOnIPv4AndIPv6() async throws {
        try await Self.serving(try Self.server(":0")) { port in
            let v4 = try await RawConnection.connect("127.0.0.1", port)
            try await v4.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await v4.readResponse() == 200)
            if RawConnection.hasIPv6Loopback {
                let v6 = try await RawConnection.connect("::1", port)
                try await v6.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await v6.readResponse() == 200)
            }
        }
    }

    @Test(.enabled(if: RawConnection.hasIPv6Loopback, "this machine has no IPv6 loopback"))
    func addressesMeanWhatTheySay() async throws {
        try await Self.serving(try Self.server("[::1]:0")) { port in
            let v6 = try await RawConnection.connect("::1", port)
            try await v6.send("GET /ok HTTP/1.1\r\nHost: [::1]\r\n\r\n")
            #expect(await v6.readResponse() == 200)
            await #expect(throws: RawConnection.Failure.self) { _ = try await RawConnection.connect("127.0.0.1", port) }
        }
        // `[::]` is IPv6 only; `0.0.0.0` IPv4 only.
        try await Self.serving(try Self.server("[::]:0")) { port in
            _ = try await RawConnection.connect("::1", port)
            await #expect(throws: RawConnection.Failure.self) { _ = try await RawConnection.connect("127.0.0.1", port) }
        }
        try await Self.serving(try Self.server("0.0.0.0:0")) { port in
            _ = try await RawConnection.connect("127.0.0.1", port)
            await #expect(throws: RawConnection.Failure.self) { _ = try await RawConnection.connect("::1", port) }
        }
    }

    @Test func theHealthServerAnswersWhileTheOthersAreFull() async throws {
        var limits = Self.short
        limits.maxConnections = 2
        limits.headerReadTimeout = .seconds(30)
        let metrics = RuntimeHTTPServer.metrics(address: try ListenAddress(parsing: "127.0.0.1:0"), registry: MetricsRegistry(), limits: limits)
        let checks = HealthChecks()
        checks.addLivenessCheck("ping") { true }
        let health = RuntimeHTTPServer.health(address: try ListenAddress(parsing: "127.0.0.1:0"), checks: checks)
        #expect(health.isolated)
        try await Self.serving(metrics) { metricsPort in
            try await Self.serving(health) { healthPort in
                var stalled: [RawConnection] = []
                for _ in 0..<4 {
                    let client = try await RawConnection.connect("127.0.0.1", metricsPort)
                    try await client.send("GET /metrics HTTP/1.1\r\nHost:")
                    stalled.append(client)
                }
                try await waitUntil(timeout: .seconds(10)) { metrics.openConnections == 2 }
                let probe = try await RawConnection.connect("127.0.0.1", healthPort)
                try await probe.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await probe.readResponse() == 200)
            }
        }
    }
}

@Suite("ListenAddress")
struct ListenAddressTests {
    @Test func formsPeopleWrite() throws {
        #expect(try ListenAddress(parsing: ":8080") == .anyInterface(port: 8080))
        #expect(try ListenAddress(parsing: "0.0.0.0:8080") == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(try ListenAddress(parsing: "[::]:8081") == ListenAddress(host: "::", port: 8081))
        #expect(try ListenAddress(parsing: "[::1]:0") == ListenAddress(host: "::1", port: 0))
        #expect(try ListenAddress(parsing: "localhost:9080") == ListenAddress(host: "localhost", port: 9080))
        for bad in ["8080", ":", ":-1", ":65536", "::1:8080", "[::1]", "[::1:8080", "::1]:8080", "[]:80", "[1.2.3.4]:80",
                    "a b:80", ":８０", ":+80", "host:80x"] {
            #expect(throws: ListenAddress.ParseError.self, "\(bad)") { try ListenAddress(parsing: bad) }
        }
    }

    /// Random addresses of every form: the description parses back to the same address.
    @Test func descriptionRoundTrips() throws {
        var random = TestRandom()
        let hosts = ["", "0.0.0.0", "127.0.0.1", "::", "::1", "fe80::1%eth0", "localhost", "2001:db8::8a2e:370:7334", "10.1.2.3"]
        for _ in 0..<500 {
            let address = ListenAddress(host: hosts.randomElement(using: &random) ?? "", port: Int.random(in: 0...65535, using: &random))
            #expect(try ListenAddress(parsing: address.description) == address, "\(address) \(random)")
        }
    }
}
