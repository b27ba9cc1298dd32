import ControllerRuntime
import Hummingbird
import KubeCore
import NIOCore

/// `GET /api/v1/events`: server-sent events telling open pages that the caches changed, so they
/// fetch what they show again. One `change` event per `tick` at most, however busy the cluster;
/// a comment line every `keepalive` so proxies do not close an idle stream.
///
/// Streams are bounded (`maxStreams`, 503 beyond) and all end when `close()` is called, so
/// shutdown does not wait for browsers to hang up.
final class EventStreams: Sendable {
    static let maxStreams = 100
    /// The browser's EventSource waits this long before reconnecting after a dropped connection.
    static let retryMilliseconds = 2000

    private let feed: ChangeFeed
    private let tick: Duration
    private let keepalive: Duration
    private let state = LockedState((open: 0, closed: false))

    init(feed: ChangeFeed, tick: Duration = .milliseconds(250), keepalive: Duration = .seconds(5)) {
        self.feed = feed
        self.tick = tick
        self.keepalive = keepalive
    }

    var openStreams: Int { state.withLock { $0.open } }

    /// Ends every stream (graceful shutdown) and refuses new ones.
    func close() { state.withLock { $0.closed = true } }

    private var isClosed: Bool { state.withLock { $0.closed } }

    func response() -> Response {
        // Counted from inside the body (which may never run if the client is already gone), so the
        // cap is approximate under a burst of connections but can never leak a slot.
        let admitted = state.withLock { !$0.closed && $0.open < Self.maxStreams }
        guard admitted else {
            return StatusPageRoutes.error(.serviceUnavailable, "too many open event streams; retry later")
        }
        let feed = self.feed, tick = self.tick, keepalive = self.keepalive
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
            body: ResponseBody { [self] writer in
                state.withLock { $0.open += 1 }
                defer { state.withLock { $0.open -= 1 } }
                var last = feed.version
                // The first event tells a reconnected page to catch up with what it missed.
                try await writer.write(ByteBuffer(string: "retry: \(Self.retryMilliseconds)\n\n" + Self.change(last)))
                var quiet = Duration.zero
                while !Task.isCancelled, !isClosed {
                    try await Task.sleep(for: tick)
                    let version = feed.version
                    if version != last {
                        last = version
                        quiet = .zero
                        try await writer.write(ByteBuffer(string: Self.change(version)))
                    } else {
                        quiet += tick
                        if quiet >= keepalive {
                            quiet = .zero
                            try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                        }
                    }
                }
                try await writer.finish(nil)
            })
    }

    static func change(_ version: UInt64) -> String { "event: change\ndata: {\"version\":\(version)}\n\n" }
}
