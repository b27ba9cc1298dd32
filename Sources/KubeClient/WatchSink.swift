import KubeCore

/// What a stream sink tells the transfer to do with a chunk.
enum StreamAction {
    /// The chunk was taken.
    case accept
    /// Not taken: pause the transfer; libcurl hands the same chunk again after `CurlEngine.resume`.
    case pause
    /// Not taken: abort the transfer.
    case abort
}

/// The bytes of one watch response between the libcurl thread and the consumer, bounded.
///
/// The engine thread only copies bytes in (it carries every request of the process, lease renewals
/// included, so it must never decode a burst of events); the consumer decodes them in its own task.
/// When `limit` bytes wait unread the transfer is paused — the server is held back by flow control,
/// no event is dropped — and resumed once the consumer has read half of them.
final class WatchBuffer: Sendable {
    private struct State {
        var chunks: [[UInt8]] = []
        var head = 0
        var bytes = 0
        var paused = false
        var closed = false
        /// Set once the response ended: nil for a clean end, or the error to throw after the last chunk.
        var end: Result<Void, any Error>?
        var waiter: CheckedContinuation<Void, Never>?
        var transfer: CurlTransfer?
        var highWater = 0
        var accepted = false
    }

    let limit: Int
    private let engine: CurlEngine
    private let state = LockedState(State())
    private let onAccepted: (@Sendable () -> Void)?

    /// `accepted` is called once, on the engine thread, when a 2xx response's headers have arrived.
    init(limit: Int, engine: CurlEngine = .shared, accepted: (@Sendable () -> Void)? = nil) {
        self.limit = max(1, limit)
        self.engine = engine
        onAccepted = accepted
    }

    /// Most bytes held unread at once (tests check the bound with it).
    var highWater: Int { state.withLock { $0.highWater } }
    var isClosed: Bool { state.withLock { $0.closed } }
    /// Whether the response ended: the engine is done with its transfer.
    var hasEnded: Bool { state.withLock { $0.end != nil } }

    /// The transfer now feeding the buffer, to pause, resume and cancel.
    func attach(_ transfer: CurlTransfer) { state.withLock { $0.transfer = transfer } }

    // MARK: engine thread

    /// The response's headers have all arrived (a 401 retried with new credentials ends its own
    /// headers first: only a 2xx answer is an acceptance).
    func headersEnded(status: Int) {
        guard (200..<300).contains(status), let onAccepted else { return }
        let first = state.withLock { state -> Bool in
            defer { state.accepted = true }
            return !state.accepted && !state.closed
        }
        if first { onAccepted() }
    }

    func offer(_ chunk: UnsafeBufferPointer<UInt8>) -> StreamAction {
        let (action, waiter): (StreamAction, CheckedContinuation<Void, Never>?) = state.withLock { state in
            if state.closed || state.end != nil { return (.abort, nil) }
            if state.bytes >= limit {
                state.paused = true
                return (.pause, nil)
            }
            state.chunks.append(Array(chunk))
            state.bytes += chunk.count
            state.highWater = max(state.highWater, state.bytes)
            let waiter = state.waiter
            state.waiter = nil
            return (.accept, waiter)
        }
        waiter?.resume()
        return action
    }

    // MARK: producer task

    /// The response ended (`error` nil: cleanly). Chunks already buffered are still read first.
    func finish(_ error: (any Error)?) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.end == nil else { return nil }
            state.end = error.map { Result<Void, any Error>.failure($0) } ?? .success(())
            state.transfer = nil
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    // MARK: consumer

    /// The next chunk; nil at a clean end; throws the response's error after the last chunk.
    func take() async throws -> [UInt8]? {
        while true {
            let (chunk, end, resume): ([UInt8]?, Result<Void, any Error>?, CurlTransfer?) = state.withLock { state in
                if state.head < state.chunks.count {
                    let chunk = state.chunks[state.head]
                    state.chunks[state.head] = []
                    state.head += 1
                    state.bytes -= chunk.count
                    if state.head == state.chunks.count || state.head > 64 {
                        state.chunks.removeFirst(state.head)
                        state.head = 0
                    }
                    var resume: CurlTransfer?
                    if state.paused, state.bytes <= limit / 2 {
                        state.paused = false
                        resume = state.transfer
                    }
                    return (chunk, nil, resume)
                }
                if state.closed { return (nil, .success(()), nil) }
                return (nil, state.end, nil)
            }
            if let resume { engine.resume(resume) }
            if let chunk { return chunk }
            if let end {
                try end.get()
                return nil
            }
            if Task.isCancelled { return nil }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = state.withLock { state -> Bool in
                        if state.head < state.chunks.count || state.end != nil || state.closed { return true }
                        state.waiter = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                    let waiter = state.waiter
                    state.waiter = nil
                    return waiter
                }
                waiter?.resume()
            }
        }
    }

    /// The consumer stops: drops what is buffered and cancels the transfer, paused or not.
    func close() {
        let (transfer, waiter): (CurlTransfer?, CheckedContinuation<Void, Never>?) = state.withLock { state in
            state.closed = true
            state.chunks = []
            state.head = 0
            state.bytes = 0
            let transfer = state.transfer
            state.transfer = nil
            let waiter = state.waiter
            state.waiter = nil
            return (transfer, waiter)
        }
        if let transfer { engine.cancel(transfer) }
        waiter?.resume()
    }
}

/// The engine-thread side of a watch: copies each chunk into the buffer, or pauses the transfer.
final class WatchSink: StreamSink, Sendable {
    let buffer: WatchBuffer
    init(buffer: WatchBuffer) { self.buffer = buffer }
    func receive(_ chunk: UnsafeBufferPointer<UInt8>) -> StreamAction { buffer.offer(chunk) }
    func headersEnded(status: Int) { buffer.headersEnded(status: status) }
}

/// The consumer side of a watch: decodes the buffered bytes into `WatchEvent`s, one per line, in the
/// task iterating the stream. An `ERROR` event or an undecodable line ends the stream with an error.
///
/// Used only from `AsyncThrowingStream(unfolding:)`, which calls it for one `next()` at a time, hence
/// `@unchecked Sendable` for the splitter and pending events. Releasing the stream closes the watch.
final class WatchReader: @unchecked Sendable {
    private let buffer: WatchBuffer
    private let producer: Task<Void, Never>
    private let path: String
    private var splitter = LineSplitter()
    private var pending: [WatchEvent] = []
    private var next = 0
    private var failure: (any Error)?
    private var done = false

    init(buffer: WatchBuffer, path: String, producer: Task<Void, Never>) {
        self.buffer = buffer
        self.path = path
        self.producer = producer
    }

    deinit {
        buffer.close()
        producer.cancel()
    }

    func nextEvent() async throws -> WatchEvent? {
        while true {
            if next < pending.count {
                let event = pending[next]
                next += 1
                return event
            }
            pending.removeAll(keepingCapacity: true)
            next = 0
            if let failure {
                self.failure = nil
                done = true
                throw failure
            }
            if done { return nil }
            let chunk: [UInt8]?
            do {
                chunk = try await buffer.take()
            } catch {
                done = true
                throw error
            }
            guard let chunk else {
                done = true
                // The consumer's task was cancelled: a plain end, as when it stops iterating.
                if Task.isCancelled { return nil }
                if splitter.hasPartialLine {
                    throw KubeAPIError(reason: .transport, code: 200, message: "watch \(path): stream ended inside an event")
                }
                return nil
            }
            _ = splitter.feed(chunk) { line in self.decode(line) }
            if failure != nil { buffer.close() }
            // Decoding a burst is CPU work on the cooperative pool: let other tasks run between chunks.
            await Task.yield()
        }
    }

    private func decode(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let event: WatchEvent
        do {
            event = try WatchEvent(json: try JSONValue.parse(line))
        } catch {
            failure = KubeAPIError(reason: .decoding, code: 0, message: "watch event: \(error)")
            return false
        }
        if event.type == .error {
            let status = Status(json: event.object) ?? Status(message: "watch ERROR event without a Status")
            failure = KubeAPIError(status: status)
            return false
        }
        pending.append(event)
        return true
    }
}
