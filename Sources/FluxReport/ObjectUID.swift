/// `metadata.uid` as the projection keeps it.
///
/// The API server writes UIDs as lowercase UUIDs: 36 bytes of text, which a String keeps in a heap
/// allocation of its own (80 bytes with malloc's rounding) for every cached object. That form is
/// kept here as its 16 bytes and turned back into the identical text when read; any other text
/// (uppercase, another length, empty) is kept as it is, so `string` always returns what was stored.
public struct ObjectUID: Sendable, Hashable {
    private enum Storage: Sendable, Hashable {
        case uuid(UInt64, UInt64)
        case text(String)
    }

    private let storage: Storage

    public init(_ text: String) {
        storage = Self.parse(text).map { .uuid($0.0, $0.1) } ?? .text(text)
    }

    /// The text the UID was created from.
    public var string: String {
        switch storage {
        case .text(let text): return text
        case .uuid(let high, let low): return Self.format(high, low)
        }
    }

    /// Heap bytes this value holds (a kept text of more than 15 UTF-8 bytes), for `FluxObject.estimatedHeapBytes`.
    public var heapBytes: Int {
        guard case .text(let text) = storage, text.utf8.count > 15 else { return 0 }
        return text.utf8.count + 32
    }

    /// Whether there is no uid (an object the API server never stored, as in some tests).
    public var isEmpty: Bool {
        if case .text(let text) = storage { return text.isEmpty }
        return false
    }

    /// Whether the 16-byte form is used (for tests).
    public var isCompact: Bool {
        if case .uuid = storage { return true }
        return false
    }

    /// Offsets of the hyphens in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    private static func isHyphen(_ offset: Int) -> Bool { offset == 8 || offset == 13 || offset == 18 || offset == 23 }

    /// The two halves of a canonical lowercase UUID; nil for any other text.
    private static func parse(_ text: String) -> (UInt64, UInt64)? {
        var text = text
        return text.withUTF8 { bytes -> (UInt64, UInt64)? in
            guard bytes.count == 36 else { return nil }
            var high: UInt64 = 0
            var low: UInt64 = 0
            var digits = 0
            for (offset, byte) in bytes.enumerated() {
                if isHyphen(offset) {
                    guard byte == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let nibble: UInt64
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt64(byte &- UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = UInt64(byte &- UInt8(ascii: "a") &+ 10)
                default: return nil  // uppercase too: it would not come back as the same text
                }
                if digits < 16 { high = high << 4 | nibble } else { low = low << 4 | nibble }
                digits += 1
            }
            return (high, low)
        }
    }

    private static func format(_ high: UInt64, _ low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            let hex: StaticString = "0123456789abcdef"
            var digit = 0
            for offset in 0..<36 {
                if isHyphen(offset) {
                    buffer[offset] = UInt8(ascii: "-")
                    continue
                }
                let half = digit < 16 ? high : low
                let shift = UInt64(15 - digit % 16) * 4
                buffer[offset] = hex.utf8Start[Int(half >> shift & 0xF)]
                digit += 1
            }
            return 36
        }
    }
}
