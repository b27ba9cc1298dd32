import Hummingbird
import HummingbirdCore
import KubeCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server for the runtime's endpoints (metrics, health, the status page): Hummingbird's
/// HTTP/1 channel and router on a listener of its own, so that every server holds to
/// `HTTPServerLimits` (connections, header, idle and write deadlines, a bounded shutdown) and binds
/// as `ListenAddress` says (dual-stack for `:PORT`). Reports the port it bound (for `127.0.0.1:0`).
public final class RuntimeHTTPServer: Service, Sendable {
    public let address: ListenAddress
    public let limits: HTTPServerLimits
    /// Its own event-loop thread and task executor: the health server answers even while the
    /// shared event loops and the cooperative pool are busy with the other servers' clients.
    public let isolated: Bool
    private let responder: RouterResponder<ConnectionRequestContext>
    private let logger: Logger
    private let bound = OneShot<Int>()
    private let connections: ConnectionRegistry

    public init(address: ListenAddress, router: Router<ConnectionRequestContext>, limits: HTTPServerLimits = HTTPServerLimits(),
                isolated: Bool = false, logger: Logger) {
        self.address = address
        self.limits = limits
        self.isolated = isolated
        self.responder = router.buildResponder()
        self.logger = logger
        self.connections = ConnectionRegistry(limit: max(1, limits.maxConnections))
    }

    /// A server that cannot listen: the address and the reason, on one line.
    public struct BindError: Error, CustomStringConvertible {
        public var address: ListenAddress
        public var reason: String
        public var description: String { "cannot listen on \(address): \(reason)" }
    }

    /// Connections open now.
    public var openConnections: Int { connections.count }

    /// Serves until cancelled or graceful shutdown; throws `BindError` when it cannot listen.
    ///
    /// Cancellation is turned into a graceful shutdown: cancelling the accept loop drops accepted
    /// connections still buffered in it, which traps ("Deinited NIOAsyncWriter without calling
    /// finish()", swift-nio#2637). So the server runs in an unstructured task that cancellation
    /// does not reach, and is told to shut down instead. Shutdown closes the listener, lets requests
    /// in progress finish for `limits.shutdownTimeout`, then closes every connection and cancels
    /// their handlers, whatever the clients do.
    public func run() async throws {
        let executor = isolated ? DedicatedExecutor(name: "http-\(address.port)") : nil
        let group: MultiThreadedEventLoopGroup = isolated ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : .singleton
        defer {
            executor?.stop()
            if isolated { group.shutdownGracefully { _ in } }
        }
        let stop = Stopper()
        let serving = Task(executorPreference: executor) { try await self.serve(group: group, stop: stop) }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await serving.value
            } onGracefulShutdown: {
                stop.trigger()
            }
        } onCancel: {
            stop.trigger()
        }
    }

    private func setBound(_ port: Int) { bound.deliver(port) }

    /// The bound port, waiting until the server listens.
    public func boundPort() async -> Int { await bound.wait() }
}

extension RuntimeHTTPServer {
    /// What the listener hands the accept loop: a connection to serve, or one closed at once
    /// because the server is at `maxConnections` or shutting down.
    private enum Accepted: Sendable {
        case connection(PendingConnection)
        case rejected
    }

    /// An accepted connection on its way from the listener to the accept loop. One the loop never
    /// takes (accepted while the listener closes, or still buffered when the loop ends) is closed
    /// here: its async channel's writer must be finished before it is freed, or NIO traps
    /// ("Deinited NIOAsyncWriter without calling finish()").
    private final class PendingConnection: Sendable {
        private let value: HTTP1Channel.Value
        private let taken = LockedState(false)

        init(_ value: HTTP1Channel.Value) { self.value = value }

        /// The connection, once; nil after the first call.
        func take() -> HTTP1Channel.Value? {
            let first = taken.withLock { taken in
                defer { taken = true }
                return !taken
            }
            return first ? value : nil
        }

        deinit {
            guard !taken.withLock({ $0 }) else { return }
            value.outbound.finish()
            value.channel.close(promise: nil)
        }
    }

    private func serve(group: MultiThreadedEventLoopGroup, stop: Stopper) async throws {
        let http1 = HTTP1Channel(responder: makeResponder(), configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [HTTPRequestBoundaries()], idleTimeout: TimeAmount(limits.idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes,
                                            maxHeaderFieldCount: 200)))
        let listener = try await bind(group: group, http1: http1)
        setBound(listener.channel.localAddress?.port ?? address.port)
        let logger = self.logger
        let connections = self.connections
        let limits = self.limits
        await withDiscardingTaskGroup { tasks in
            tasks.addTask {
                await stop.wait()
                listener.channel.close(promise: nil)
            }
            do {
                try await listener.executeThenClose { inbound in
                    for try await accepted in inbound {
                        guard case .connection(let pending) = accepted, let value = pending.take() else { continue }
                        tasks.addTask { await http1.handle(value: value, logger: logger) }
                    }
                }
            } catch {
                if !stop.isTriggered { logger.error("HTTP listener failed", metadata: ["address": "\(address)", "error": "\(error)"]) }
            }
            stop.trigger()
            // Idle connections close at once, busy ones after their response; whatever is still
            // open after the grace period is closed, and the handlers still waiting are cancelled.
            for channel in connections.beginClosing() {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
            await connections.waitDrained(atMost: limits.shutdownTimeout)
            for channel in connections.openChannels { channel.close(promise: nil) }
            tasks.cancelAll()
        }
        // A handler can end before its channel's close is reported; wait for the last reports.
        await connections.waitDrained(atMost: .seconds(1))
    }

    /// The router answers; a handler's error that is not an HTTP error becomes a 500.
    private func makeResponder() -> HTTPChannelHandler.Responder {
        let responder = self.responder
        let logger = self.logger
        return { (request, writer: consuming ResponseWriter, channel) in
            let context = ConnectionRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
            let response: Response
            do {
                response = try await responder.respond(to: request, context: context)
            } catch {
                logger.debug("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                response = Response(status: .internalServerError)
            }
            try await writer.write(response: response.head, body: response.body)
        }
    }

    /// Binds as `address` says; `:PORT` falls back to IPv4 only when the machine has no IPv6.
    private func bind(group: MultiThreadedEventLoopGroup, http1: HTTP1Channel) async throws -> NIOAsyncChannel<Accepted, Never> {
        let attempts: [(address: SocketAddress, v6only: Bool?)]
        do {
            if address.isDualStack {
                attempts = [(try SocketAddress(ipAddress: "::", port: address.port), false),
                            (try SocketAddress(ipAddress: "0.0.0.0", port: address.port), nil)]
            } else if let literal = try? SocketAddress(ipAddress: address.host, port: address.port) {
                // `[::]` is every IPv6 address and nothing else; other literals are one address.
                attempts = [(literal, address.host == "::" ? true : nil)]
            } else {
                attempts = [(try SocketAddress.makeAddressResolvingHost(address.host, port: address.port), nil)]
            }
        } catch {
            throw BindError(address: address, reason: "cannot resolve \"\(address.host)\": \(error)")
        }
        for (index, attempt) in attempts.enumerated() {
            do {
                return try await bind(attempt.address, v6only: attempt.v6only, group: group, http1: http1)
            } catch let error as IOError where index + 1 < attempts.count && Self.meansNoIPv6(error.errnoCode) {
                logger.info("IPv6 is not available on this machine; listening on IPv4 only", metadata: [
                    "address": "\(address)", "error": "\(error)",
                ])
            } catch let error as IOError {
                throw BindError(address: address, reason: Self.describe(error))
            } catch {
                throw BindError(address: address, reason: "\(error)")
            }
        }
        throw BindError(address: address, reason: "no address to listen on")
    }

    private func bind(_ socketAddress: SocketAddress, v6only: Bool?, group: MultiThreadedEventLoopGroup,
                      http1: HTTP1Channel) async throws -> NIOAsyncChannel<Accepted, Never> {
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        if let v6only {
            bootstrap = bootstrap.serverChannelOption(
                ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: v6only ? 1 : 0)
        }
        let connections = self.connections
        let limits = self.limits
        let logger = self.logger
        let listener = try await bootstrap.bind(to: socketAddress) { channel -> EventLoopFuture<Accepted> in
            guard connections.admit(channel) else {
                logger.debug("connection refused: at the connection limit", metadata: ["limit": "\(limits.maxConnections)"])
                channel.close(promise: nil)
                return channel.eventLoop.makeSucceededFuture(.rejected)
            }
            channel.closeFuture.whenComplete { _ in connections.remove(channel) }
            do {
                try channel.pipeline.syncOperations.addHandler(HTTPConnectionGuard(limits: limits, logger: logger))
            } catch {
                channel.close(promise: nil)
                return channel.eventLoop.makeSucceededFuture(.rejected)
            }
            return http1.setup(channel: channel, logger: logger).map { Accepted.connection(PendingConnection($0)) }
        }
        logger.info("listening", metadata: [
            "address": "\(address)", "socket": "\(listener.channel.localAddress?.description ?? "")",
            "maxConnections": "\(limits.maxConnections)",
        ])
        return listener
    }

    /// errnos of a machine without IPv6 (kernel without it, or IPv6 turned off).
    private static func meansNoIPv6(_ code: CInt) -> Bool { code == EAFNOSUPPORT || code == EADDRNOTAVAIL || code == EPROTONOSUPPORT }

    private static func describe(_ error: IOError) -> String {
        switch error.errnoCode {
        case EADDRINUSE: return "address already in use (another process, or another instance of this one, listens on it)"
        case EACCES: return "permission denied (ports below 1024 need privileges)"
        case EADDRNOTAVAIL: return "address not available on this machine"
        default: return "\(error)"
        }
    }
}

/// A server's shutdown trigger: once, from graceful shutdown, cancellation or a failed listener.
private final class Stopper: Sendable {
    private let fired = OneShot<Void>()
    func trigger() { fired.deliver(()) }
    var isTriggered: Bool { fired.isDelivered }
    func wait() async { await fired.wait() }
}

/// The open connections of one server, capped; closed all at once at shutdown.
private final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var closing = false
    }
    private let state = LockedState(State())
    private let drained = OneShot<Void>()
    let limit: Int

    init(limit: Int) { self.limit = limit }

    var count: Int { state.withLock { $0.channels.count } }
    var openChannels: [any Channel] { state.withLock { Array($0.channels.values) } }

    /// Registers a new connection, unless the server is full or closing.
    func admit(_ channel: any Channel) -> Bool {
        state.withLock { state in
            guard !state.closing, state.channels.count < limit else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: any Channel) {
        let empty = state.withLock { state in
            state.channels[ObjectIdentifier(channel)] = nil
            return state.closing && state.channels.isEmpty
        }
        if empty { drained.deliver(()) }
    }

    /// Admits no more connections; the ones open now.
    func beginClosing() -> [any Channel] {
        let (open, empty) = state.withLock { state in
            state.closing = true
            return (Array(state.channels.values), state.channels.isEmpty)
        }
        if empty { drained.deliver(()) }
        return open
    }

    /// Returns once every connection is closed after `beginClosing()`, or after `limit`.
    func waitDrained(atMost limit: Duration) async {
        await withTaskGroup(of: Void.self) { race in
            race.addTask { _ = await self.drained.waitUnlessCancelled() }
            race.addTask { try? await Task.sleep(for: limit) }
            await race.next()
            race.cancelAll()
        }
    }
}

extension RuntimeHTTPServer {
    /// `/metrics` in the Prometheus text format.
    public static func metrics(address: ListenAddress, registry: MetricsRegistry, limits: HTTPServerLimits = HTTPServerLimits(),
                               logger: Logger = Logger(label: "metrics-server")) -> RuntimeHTTPServer {
        let router = Router(context: ConnectionRequestContext.self)
        router.get("/metrics") { request, _ -> Response in
            // Streamed chunk by chunk (chunked transfer encoding): memory stays at one chunk, not the
            // whole body (tens of MB with 100,000 series), and collectors release locks between chunks.
            // gzip-compressed as it streams when the scraper accepts it (Prometheus always does).
            let gzip = Gzip.accepted(by: request.headers[values: .acceptEncoding].joined(separator: ","))
            let pieces = registry.scrapePieces()
            var headers: HTTPFields = [.contentType: "text/plain; version=0.0.4; charset=utf-8", .vary: "Accept-Encoding"]
            if gzip { headers[.contentEncoding] = "gzip" }
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    // Pieces a collector keeps compressed are spliced into the gzip stream as they are.
                    var encoder = try ScrapeEncoder(gzip: gzip)
                    for piece in MetricsLeaves(pieces) {
                        if let bytes = try encoder.add(piece) { try await writer.write(ByteBuffer(bytes: bytes)) }
                    }
                    let rest = try encoder.finish()
                    if !rest.isEmpty { try await writer.write(ByteBuffer(bytes: rest)) }
                    try await writer.finish(nil)
                })
        }
        return RuntimeHTTPServer(address: address, router: router, limits: limits, logger: logger)
    }

    /// `/healthz` and `/readyz`: 200 "ok", or 500 listing the failing checks.
    /// On its own event loop and executor, with its own connection cap (`HTTPServerLimits.health`).
    public static func health(address: ListenAddress, checks: HealthChecks, limits: HTTPServerLimits = .health,
                              logger: Logger = Logger(label: "health-server")) -> RuntimeHTTPServer {
        let router = Router(context: ConnectionRequestContext.self)
        @Sendable func respond(_ failing: [String]) -> Response {
            if failing.isEmpty {
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "ok")))
            }
            let text = failing.map { "[-]\($0) failed" }.joined(separator: "\n") + "\nhealthz check failed\n"
            return Response(status: .internalServerError, headers: [.contentType: "text/plain"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/healthz") { _, _ -> Response in respond(await checks.failingLiveness()) }
        router.get("/readyz") { _, _ -> Response in respond(await checks.failingReadiness()) }
        return RuntimeHTTPServer(address: address, router: router, limits: limits, isolated: true, logger: logger)
    }
}
