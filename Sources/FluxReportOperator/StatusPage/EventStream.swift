import ControllerRuntime
import Hummingbird
import KubeCore
import NIOCore

/// `GET /api/v1/events`: server-sent events telling open pages that the caches changed, so they
/// fetch what they show again. A stream waits on the feed's `ChangeSignal` and sends one `change`
/// event per `tick` at most, however busy the cluster; a comment line `keepalive` after its last
/// write, so proxies do not close an idle stream.
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
    private let clock: any RuntimeClock
    private let state = LockedState(State())
    /// Bumped by `close()`: running streams wait on it beside the feed and the clock.
    private let closing = ChangeSignal()

    init(feed: ChangeFeed, tick: Duration = .milliseconds(250), keepalive: Duration = .seconds(5),
         maxStreams: Int = EventStreams.maxStreams, maxStreamsPerClient: Int = EventStreams.maxStreamsPerClient,
         clock: any RuntimeClock = SystemClock()) {
        self.feed = feed
        self.tick = tick
        self.keepalive = keepalive
        self.clock = clock
        self.maxStreams = maxStreams
        self.maxStreamsPerClient = maxStreamsPerClient
    }

    /// Admitted streams, sent or not yet.
    var openStreams: Int { state.withLock { $0.slots.count } }

    func openStreams(of client: ClientAddress) -> Int { state.withLock { $0.perClient[client] ?? 0 } }

    /// Ends every stream now and refuses new ones (graceful shutdown).
    func close() {
        state.withLock { $0.closed = true }
        closing.bump()
    }

    private var isClosed: Bool { state.withLock { $0.closed } }

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
        state.withLock { state in
            guard let client = state.slots.removeValue(forKey: id) else { return }
            let left = (state.perClient[client] ?? 1) - 1
            state.perClient[client] = left > 0 ? left : nil
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
        let closeSeen = closing.version
        guard !isClosed else {
            try await writer.finish(nil)
            return
        }
        var last = feed.version
        // The first event tells a reconnected page to catch up with what it missed.
        try await writer.write(ByteBuffer(string: "retry: \(Self.retryMilliseconds)\n\n" + Self.change(last)))
        var lastWrite = clock.now()
        // Ends at close(), or when the request is cancelled.
        while await wait(until: lastWrite + keepalive, changePast: last, closeSeen: closeSeen) {
            let version = feed.version
            if version != last {
                last = version
                try await writer.write(ByteBuffer(string: Self.change(version)))
                lastWrite = clock.now()
                // One change event per tick at most: later changes wait for the tick's end.
                guard await wait(until: lastWrite + tick, changePast: nil, closeSeen: closeSeen) else { break }
            } else if clock.now() >= lastWrite + keepalive {
                try await writer.write(ByteBuffer(string: ": keepalive\n\n"))
                lastWrite = clock.now()
            }
        }
        try await writer.finish(nil)
    }

    /// Waits until `deadline` on the clock, or the feed moves past `changePast` when given;
    /// false when the streams close or this task is cancelled first.
    private func wait(until deadline: Duration, changePast seen: UInt64?, closeSeen: UInt64) async -> Bool {
        let clock = self.clock, feed = self.feed, closing = self.closing
        await withTaskGroup(of: Void.self) { group in
            if let seen { group.addTask { _ = await feed.changes.wait(past: seen) } }
            group.addTask { _ = await closing.wait(past: closeSeen) }
            group.addTask { try? await clock.sleep(until: deadline) }
            await group.next()
            group.cancelAll()
        }
        return closing.version == closeSeen && !Task.isCancelled
    }

    static func change(_ version: UInt64) -> String { "event: change\ndata: {\"version\":\(version)}\n\n" }
}
