import KubeCore

/// Splits a byte stream into `\n`-terminated lines whatever the chunk boundaries.
///
/// A line wholly inside one chunk is handed out without copying; only a partial tail is kept.
/// Every trailing `\r` is dropped (JSON counts it as whitespace), and so is a line left empty:
/// no line handed out is empty or ends in `\r`.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// True when bytes of an unterminated line are buffered.
    public var hasPartialLine: Bool { !pending.isEmpty }

    /// Feeds one chunk; `line` is called for each complete line. Stops early when `line` returns false.
    @discardableResult
    public mutating func feed(_ chunk: UnsafeBufferPointer<UInt8>, line: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var start = 0
        var index = 0
        let count = chunk.count
        while index < count {
            if chunk[index] == UInt8(ascii: "\n") {
                let piece = UnsafeBufferPointer(rebasing: chunk[start..<index])
                let keepGoing: Bool
                if pending.isEmpty {
                    keepGoing = Self.emit(piece, line)
                } else {
                    pending.append(contentsOf: piece)
                    let joined = pending
                    pending.removeAll(keepingCapacity: true)
                    keepGoing = joined.withUnsafeBufferPointer { Self.emit($0, line) }
                }
                if !keepGoing { return false }
                start = index + 1
            }
            index += 1
        }
        if start < count { pending.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<count])) }
        return true
    }

    /// Convenience for tests and callers holding arrays.
    @discardableResult
    public mutating func feed(_ chunk: [UInt8], line: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        chunk.withUnsafeBufferPointer { feed($0, line: line) }
    }

    private static func emit(_ piece: UnsafeBufferPointer<UInt8>, _ line: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        var end = piece.count
        while end > 0, piece[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end == 0 { return true }
        return line(UnsafeBufferPointer(rebasing: piece[..<end]))
    }
}
