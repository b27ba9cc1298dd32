import Foundation
import KubeClient
import KubeCore
import Logging
import MCP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// MCP's stdio transport: one JSON-RPC message per line on stdin and stdout (logs go to stderr).
///
/// stdin is read with blocking reads on a thread of its own, lines at most `maxLineBytes` long;
/// each line is screened (`JSONRPCScreen`) and malformed ones are answered here. The SDK's
/// `StdioTransport` is not used: it buffers a line of any length and switches the terminal's
/// descriptors to non-blocking mode, polling every 10 ms.
actor LineTransport: Transport {
    nonisolated let logger: Logger
    static let maxLineBytes = 4 << 20

    private let input: Int32
    private let output: Int32
    private let stream: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var started = false
    /// Ids of the requests read and not answered yet, and whether stdin has ended: at its end the
    /// stream (and so the server) finishes only once every request read has its answer written.
    private let inFlight = LockedState<(ids: Set<JSONValue>, inputEnded: Bool)>(([], false))
    /// How long answers still being computed are waited for once stdin has ended.
    static let drainTimeout: Duration = .seconds(30)

    init(input: Int32 = 0, output: Int32 = 1, logger: Logger) {
        self.input = input
        self.output = output
        self.logger = logger
        (stream, continuation) = AsyncThrowingStream.makeStream()
    }

    func connect() async throws {
        guard !started else { return }
        started = true
        let (input, continuation, logger, inFlight) = (input, continuation, logger, inFlight)
        let reject: @Sendable ([UInt8]) -> Void = { [weak self] bytes in
            guard let self else { return }
            Task { try? await self.send(Data(bytes)) }
        }
        let thread = Thread {
            Self.readLoop(input: input, deliver: { line in
                if let id = Self.requestID(line) { inFlight.withLock { _ = $0.ids.insert(id) } }
                continuation.yield(Data(line))
            }, reject: reject)
            logger.debug("stdin closed")
            let done = inFlight.withLock { state -> Bool in
                state.inputEnded = true
                return state.ids.isEmpty
            }
            if done {
                continuation.finish()
            } else {
                Task {
                    try? await Task.sleep(for: Self.drainTimeout)
                    continuation.finish()
                }
            }
        }
        thread.name = "mcp-stdin"
        thread.start()
    }

    func disconnect() async { continuation.finish() }

    func send(_ data: Data) async throws {
        var line = [UInt8](data)
        line.append(UInt8(ascii: "\n"))
        // Blocking, on the actor: one whole line at a time.
        if !Self.writeAll(line, to: output) { throw MCPError.connectionClosed }
        if let id = Self.responseID(data) {
            let drained = inFlight.withLock { state -> Bool in
                state.ids.remove(id)
                return state.inputEnded && state.ids.isEmpty
            }
            if drained { continuation.finish() }
        }
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, any Error> { stream }

    /// Reads until end of input: screened lines to `deliver`, error answers to `reject`.
    static func readLoop(input: Int32, deliver: ([UInt8]) -> Void, reject: ([UInt8]) -> Void) {
        var splitter = LineSplitter()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        /// Bytes of the current line so far; past the bound the line is skipped up to its end.
        var lineBytes = 0
        var skipping = false
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { return }
            buffer.withUnsafeBufferPointer { all in
                var chunk = UnsafeBufferPointer(rebasing: all[0..<count])
                while !chunk.isEmpty {
                    let newline = chunk.firstIndex(of: UInt8(ascii: "\n"))
                    let end = newline.map { $0 + 1 } ?? chunk.count
                    let piece = UnsafeBufferPointer(rebasing: chunk[0..<end])
                    lineBytes += newline.map { $0 } ?? piece.count
                    if !skipping, lineBytes > maxLineBytes {
                        skipping = true
                        splitter = LineSplitter()
                    }
                    if skipping {
                        if newline != nil {
                            reject(JSONRPCScreen.response(code: JSONRPCScreen.parseError,
                                                          message: "Parse error: a message longer than \(maxLineBytes) bytes", id: .null))
                            skipping = false
                        }
                    } else {
                        splitter.feed(piece) { line in
                            switch JSONRPCScreen.check(line) {
                            case .pass: deliver(Array(line))
                            case .reject(let code, let message, let id): reject(JSONRPCScreen.response(code: code, message: message, id: id))
                            }
                            return true
                        }
                    }
                    if newline != nil { lineBytes = 0 }
                    chunk = UnsafeBufferPointer(rebasing: chunk[end...])
                }
            }
        }
    }

    /// The id of a request (a message with a method and an id).
    static func requestID(_ line: [UInt8]) -> JSONValue? {
        guard case .object(let fields)? = try? JSONValue.parse(line), fields["method"] != nil else { return nil }
        return fields["id"]
    }

    /// The id of a response (a message with an id and no method).
    static func responseID(_ data: Data) -> JSONValue? {
        guard case .object(let fields)? = try? JSONValue.parse(data), fields["method"] == nil else { return nil }
        return fields["id"]
    }

    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }
}
