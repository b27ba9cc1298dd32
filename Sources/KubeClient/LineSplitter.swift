import KubeCore

/// Splits a byte stream into `\n`-terminated lines whatever the chunk boundaries.
///
/// A line wholly inside one chunk is handed out without copying; only a partial tail is kept.
/// Empty lines and a trailing `\r` are dropped.
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
        var piece = piece
        if let last = piece.last, last == UInt8(ascii: "\r") { piece = UnsafeBufferPointer(rebasing: piece.dropLast()) }
        if piece.isEmpty { return true }
        return line(piece)
    }
}
