import ControllerRuntime
import Hummingbird
import KubeCore
import NIOCore

/// `GET /api/v1/events`: server-sent events telling open pages that the caches changed, so they
/// fetch what they show again. A stream waits on the feed's `ChangeSignal` and sends one `change`
/// event per `tick` at most, however busy the cluster; a comment line after `keepalive` without
/// one, so proxies do not close an idle stream.
///
/// Streams are bounded: `maxStreams` in all (503 beyond) and `maxStreamsPerClient` per
/// `ClientAddress` (429 beyond), so one client holding many cannot turn live updates off for the
/// others. A stream is counted when it is admitted, before its response is sent, and released
/// exactly once: when it ends, or when its response is dropped unsent. `close()` ends every
/// stream at once (graceful shutdown does not wait for browsers to hang up, nor for a tick).
final class EventStreams: Sendable {
    static let maxStreams = 100
    /// Browsers open at most six connections per host over HTTP/1.1: a user with several tabs
    /// behind one address (a port-forward) stays under it.
    static let maxStreamsPerClient = 16
    /// The browser's EventSource waits this long before reconnecting after a dropped connection.
    static let retryMilliseconds = 2000

    private struct State {
        var closed = false
        var nextID = 0
        /// Admitted streams and their clients.
        var slots: [Int: ClientAddress] = [:]
        var perClient: [ClientAddress: Int] = [:]
        /// The running streams' wake-ups, finished by `close()`.
        var wakeups: [Int: AsyncStream<Void>.Continuation] = [:]
    }

    /// A stream's place, released when the stream ends or, if its response is never sent, when
    /// the response (holding this) is dropped.
    final class Slot: Sendable {
        let id: Int
        private let streams: EventStreams

        fileprivate init(id: Int, streams: EventStreams) {
            self.id = id
            self.streams = streams
        }

        deinit { streams.release(id) }
    }

    enum Refusal: Equatable {
        case closed, full, clientFull
    }

    private let feed: ChangeFeed
    private let tick: Duration
    private let keepalive: Duration
    private let maxStreams: Int
    private let maxStreamsPerClient: Int
    private let state = LockedState(State())

    init(feed: ChangeFeed, tick: Duration = .milliseconds(250), keepalive: Duration = .seconds(5),
         maxStreams: Int = EventStreams.maxStreams, maxStreamsPerClient: Int = EventStreams.maxStreamsPerClient) {
        self.feed = feed
        self.tick = tick
        self.keepalive = keepalive
        self.maxStreams = maxStreams
        self.maxStreamsPerClient = maxStreamsPerClient
    }

    /// Admitted streams, sent or not yet.
    var openStreams: Int { state.withLock { $0.slots.count } }

    func openStreams(of client: ClientAddress) -> Int { state.withLock { $0.perClient[client] ?? 0 } }

    /// Ends every stream now and refuses new ones (graceful shutdown).
    func close() {
        let wakeups = state.withLock { state in
            state.closed = true
            defer { state.wakeups.removeAll() }
            return Array(state.wakeups.values)
        }
        for wakeup in wakeups { wakeup.finish() }
    }

    /// Counts a stream for `client`, or says why not.
    func admit(_ client: ClientAddress) -> Result<Slot, RefusalError> {
        let id = state.withLock { state -> Result<Int, RefusalError> in
            if state.closed { return .failure(RefusalError(refusal: .closed)) }
            if state.slots.count >= maxStreams { return .failure(RefusalError(refusal: .full)) }
            if state.perClient[client, default: 0] >= maxStreamsPerClient { return .failure(RefusalError(refusal: .clientFull)) }
            state.nextID += 1
            state.slots[state.nextID] = client
            state.perClient[client, default: 0] += 1
            return .success(state.nextID)
        }
        return id.map { Slot(id: $0, streams: self) }
    }

    struct RefusalError: Error, Equatable {
        var refusal: Refusal
    }

    private func release(_ id: Int) {
        let wakeup = state.withLock { state -> AsyncStream<Void>.Continuation? in
            guard let client = state.slots.removeValue(forKey: id) else { return nil }
            let left = (state.perClient[client] ?? 1) - 1
            state.perClient[client] = left > 0 ? left : nil
            return state.wakeups.removeValue(forKey: id)
        }
        wakeup?.finish()
    }

    /// Registers a running stream's wake-up; false once closed.
    private func register(_ id: Int, _ wakeup: AsyncStream<Void>.Continuation) -> Bool {
        state.withLock { state in
            guard !state.closed, state.slots[id] != nil else { return false }
            state.wakeups[id] = wakeup
            return true
        }
    }

    func response(for client: ClientAddress) -> Response {
        let slot: Slot
        switch admit(client) {
        case .success(let admitted):
            slot = admitted
        case .failure(let error):
            var response: Response
            switch error.refusal {
            case .clientFull:
                response = StatusPageRoutes.error(.tooManyRequests, "too many open event streams from this address; close some pages")
            case .full, .closed:
                response = StatusPageRoutes.error(.serviceUnavailable, "too many open event streams; retry later")
            }
            response.headers[.retryAfter] = "\(Self.retryMilliseconds / 1000)"
            return response
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
            body: ResponseBody { [self] writer in
                defer { release(slot.id) }
                try await stream(slot, to: &writer)
            })
    }

    private func stream(_ slot: Slot, to writer: inout any ResponseBodyWriter) async throws {
        let (wakeups, wakeup) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        guard register(slot.id, wakeup) else {
            try await writer.finish(nil)
            return
        }
        let feed = self.feed, tick = self.tick, keepalive = self.keepalive
        var last = feed.version
        // The first event tells a reconnected page to catch up with what it missed.
        try await writer.write(ByteBuffer(string: "retry: \(Self.retryMilliseconds)\n\n" + Self.change(last)))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [first = last] in
                // A wake-up at a change (then none for a tick) or after `keepalive` without one.
                var seen = first
                while !Task.isCancelled {
                    await ChangeSignal.waitForAny([(feed.changes, seen)], until: .now + keepalive)
                    seen = feed.version
                    wakeup.yield()
                    try await Task.sleep(for: tick)
                }
            }
            // Ends when close() or release finishes the wake-ups, or the request is cancelled.
            for await _ in wakeups {
                let version = feed.version
                if version != last {
                    last = version
                    try await writer.write(ByteBuffer(string: Self.change(version)))
                } else {
                    try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                }
            }
            group.cancelAll()
        }
        try await writer.finish(nil)
    }

    static func change(_ version: UInt64) -> String { "event: change\ndata: {\"version\":\(version)}\n\n" }
}
