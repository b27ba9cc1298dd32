import KubeCore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A small Hummingbird server that reports the port it bound (for `127.0.0.1:0` in tests).
public final class RuntimeHTTPServer: Service, Sendable {
    public let address: ListenAddress
    private let responder: RouterResponder<ConnectionRequestContext>
    private let logger: Logger
    private let bound = OneShot<Int>()

    public init(address: ListenAddress, router: Router<ConnectionRequestContext>, logger: Logger) {
        self.address = address
        self.responder = router.buildResponder()
        self.logger = logger
    }

    /// Serves until cancelled or graceful shutdown.
    ///
    /// Cancellation is turned into a graceful shutdown: cancelling a NIO server while it is accepting
    /// a connection traps ("Deinited NIOAsyncWriter without calling finish()", swift-nio#2637), so the
    /// application runs in an unstructured task that cancellation does not reach, and is told to shut
    /// down gracefully instead.
    public func run() async throws {
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port)),
            onServerRunning: { [weak self] channel in
                self?.setBound(channel.localAddress?.port ?? 0)
            },
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], logger: logger))
        let serving = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    private func setBound(_ port: Int) { bound.deliver(port) }

    /// The bound port, waiting until the server listens.
    public func boundPort() async -> Int { await bound.wait() }
}

extension RuntimeHTTPServer {
    /// `/metrics` in the Prometheus text format.
    public static func metrics(address: ListenAddress, registry: MetricsRegistry, logger: Logger = Logger(label: "metrics-server")) -> RuntimeHTTPServer {
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
                    for piece in pieces {
                        if let bytes = try encoder.add(piece) { try await writer.write(ByteBuffer(bytes: bytes)) }
                    }
                    let rest = try encoder.finish()
                    if !rest.isEmpty { try await writer.write(ByteBuffer(bytes: rest)) }
                    try await writer.finish(nil)
                })
        }
        return RuntimeHTTPServer(address: address, router: router, logger: logger)
    }

    /// `/healthz` and `/readyz`: 200 "ok", or 500 listing the failing checks.
    public static func health(address: ListenAddress, checks: HealthChecks, logger: Logger = Logger(label: "health-server")) -> RuntimeHTTPServer {
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
        return RuntimeHTTPServer(address: address, router: router, logger: logger)
    }
}
