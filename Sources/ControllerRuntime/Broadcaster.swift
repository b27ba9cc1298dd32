import KubeCore

/// Fans a sequence of values out to subscribers, async streams or callbacks, each of which sees
/// every value published after it subscribed, in publication order (the informer's event fan-out,
/// leadership changes).
///
/// A subscriber may start with a replay of the current state. The replay is taken under the
/// broadcaster's lock, and `publish` changes the state and picks the subscribers to tell under the
/// same lock, so a subscriber never misses a change nor sees one twice: a change made before it
/// subscribed is in its replay, a later one is delivered to it. Delivery happens after the lock is
/// released, on the publisher's task;
/// with one publishing task (an informer's loop, an elector's loop) every subscriber sees the
/// values in the order they were published.
public final class Broadcaster<Value: Sendable>: Sendable {
    private struct Subscriber {
        var id: Int
        var stream: AsyncStream<Value>.Continuation?
        var batchStream: AsyncStream<[Value]>.Continuation?
        var handler: (@Sendable (Value) -> Void)?
        var batchHandler: (@Sendable ([Value]) -> Void)?
    }

    private struct State {
        var nextID = 0
        /// In subscription order. `publish` takes the array with one retain (a subscription made
        /// meanwhile copies it) instead of copying a dictionary's values for every value.
        var subscribers: [Subscriber] = []

        mutating func add(_ subscriber: (Int) -> Subscriber) -> Int {
            nextID += 1
            subscribers.append(subscriber(nextID))
            return nextID
        }
    }

    private let state = LockedState(State())
    /// Most values one delivery hands a subscriber; see `publish`.
    public let sliceSize: Int

    /// - Parameter sliceSize: the most values delivered to one subscriber before the next
    ///   subscriber gets them (at least 1).
    public init(sliceSize: Int = 1024) {
        self.sliceSize = max(1, sliceSize)
    }

    /// Number of current subscribers.
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// A stream of the values published from now on, preceded by `replay()` (called under the lock).
    /// The stream ends when the broadcaster finishes; dropping it unsubscribes.
    public func stream(replay: () -> [Value] = { [] }) -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream<Value>.makeStream(bufferingPolicy: .unbounded)
        let id: Int = state.withLock { state in
            for value in replay() { continuation.yield(value) }
            return state.add { Subscriber(id: $0, stream: continuation) }
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return stream
    }

    /// As `stream`, with the values of a `publish` together, in slices of at most `sliceSize`
    /// (and the replay first, unless empty): a consumer that filters a relist's million values
    /// crosses the stream a thousand times, not a million.
    public func batches(replay: () -> [Value] = { [] }) -> AsyncStream<[Value]> {
        let (stream, continuation) = AsyncStream<[Value]>.makeStream(bufferingPolicy: .unbounded)
        let id: Int = state.withLock { state in
            let values = replay()
            if !values.isEmpty { continuation.yield(values) }
            return state.add { Subscriber(id: $0, batchStream: continuation) }
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return stream
    }

    private func unsubscribe(_ id: Int) {
        state.withLock { $0.subscribers.removeAll { $0.id == id } }
    }

    /// Calls `handler` with `replay()` (under the lock, so no later value can overtake it), then
    /// with every value published, on the publisher's task with no lock held. Keep it short: the
    /// next value waits for it.
    public func addHandler(replay: () -> [Value] = { [] }, _ handler: @escaping @Sendable (Value) -> Void) {
        state.withLock { state in
            for value in replay() { handler(value) }
            _ = state.add { Subscriber(id: $0, handler: handler) }
        }
    }

    /// As `addHandler`, but called with the values of a `publish` together, in slices of at most
    /// `sliceSize` (and once with the replay, unless empty): a subscriber with per-value work under
    /// a lock of its own takes that lock a thousand times for a relist of a million objects, not a
    /// million times.
    public func addBatchHandler(replay: () -> [Value] = { [] }, _ handler: @escaping @Sendable ([Value]) -> Void) {
        state.withLock { state in
            let values = replay()
            if !values.isEmpty { handler(values) }
            _ = state.add { Subscriber(id: $0, batchHandler: handler) }
        }
    }

    /// Runs `change` under the lock (no subscription interleaves with it) and delivers the values it
    /// returns to every subscriber there was when it ran.
    ///
    /// Many values go out a slice at a time, each slice to every subscriber before the next: the
    /// objects of a slice are still in the CPU's caches for the second subscriber and the later
    /// ones, where one subscriber walking a million objects before the next starts would read each
    /// from memory again.
    public func publish(_ change: () -> [Value]) {
        let (values, subscribers) = state.withLock { state -> ([Value], [Subscriber]) in
            let values = change()
            return (values, values.isEmpty ? [] : state.subscribers)
        }
        var start = 0
        while start < values.count {
            let end = min(values.count, start + sliceSize)
            let slice = start == 0 && end == values.count ? values : Array(values[start..<end])
            for subscriber in subscribers {
                if let batchHandler = subscriber.batchHandler {
                    batchHandler(slice)
                    continue
                }
                if let batchStream = subscriber.batchStream {
                    batchStream.yield(slice)
                    continue
                }
                for value in slice {
                    subscriber.stream?.yield(value)
                    subscriber.handler?(value)
                }
            }
            start = end
        }
    }

    public func publish(_ value: Value) { publish { [value] } }

    /// Ends every stream and drops every handler (the publisher stopped). A later subscriber is
    /// served again, should publishing resume.
    public func finish() {
        let (streams, batchStreams) = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return (state.subscribers.compactMap(\.stream), state.subscribers.compactMap(\.batchStream))
        }
        for stream in streams { stream.finish() }
        for stream in batchStreams { stream.finish() }
    }
}
