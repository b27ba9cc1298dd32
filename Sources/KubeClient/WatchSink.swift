import KubeCore

/// Turns the bytes of a watch response into `WatchEvent`s on the engine thread, one per line.
/// An `ERROR` event or an undecodable line finishes the stream with an error and aborts the transfer.
final class WatchSink: StreamSink, @unchecked Sendable {
    // Only touched on the engine thread while the transfer runs, then by the watch task after it finished.
    private var splitter = LineSplitter()
    private let continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    private(set) var finished = false

    init(continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation) {
        self.continuation = continuation
    }

    var hasPartialLine: Bool { splitter.hasPartialLine }

    func receive(_ chunk: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !finished else { return false }
        return splitter.feed(chunk) { line in self.handle(line) }
    }

    private func handle(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let event: WatchEvent
        do {
            event = try WatchEvent(json: try JSONValue.parse(line))
        } catch {
            finish(throwing: KubeAPIError(reason: .decoding, code: 0, message: "watch event: \(error)"))
            return false
        }
        if event.type == .error {
            let status = Status(json: event.object) ?? Status(message: "watch ERROR event without a Status")
            finish(throwing: KubeAPIError(status: status))
            return false
        }
        if case .terminated = continuation.yield(event) {
            finished = true
            return false
        }
        return true
    }

    func finish(throwing error: (any Error)? = nil) {
        guard !finished else { return }
        finished = true
        continuation.finish(throwing: error)
    }
}
