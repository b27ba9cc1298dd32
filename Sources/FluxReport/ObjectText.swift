/// The high-cardinality strings of one `FluxObject` (name, message, revision, URL, ref, path,
/// registry) in ONE heap block: their end offsets, then their UTF-8 bytes (a revision's digest
/// packed as bytes, `packingDigest`).
///
/// As separate `String`s each of them over 15 UTF-8 bytes is its own malloc chunk (a 32-byte
/// header, the bytes, malloc's rounding) and each costs 16 bytes inline even when empty; kept
/// together they cost one chunk of 16 + 14 + their bytes, and 8 bytes inline. No block at all when
/// every field is empty. The block never changes once made: a setter makes a new one.
struct ObjectText: @unchecked Sendable, Equatable {  // `block` is never written once made
    enum Field: Int, CaseIterable {
        case name, message, revision, url, ref, path, registry
    }

    /// Bytes of the end offsets before the text: one `UInt16` per field.
    private static let tableBytes = Field.allCases.count * 2

    /// Longest text a field keeps (its bytes, a cut value's marker included), so that every offset
    /// fits in a `UInt16`: the projection cuts far shorter (`FluxObject.maxFieldBytes`, `maxMessageBytes`).
    static func limit(_ field: Field) -> Int {
        field == .message ? FluxObject.maxMessageBytes : FluxObject.maxFieldBytes
    }

    private final class Block: ManagedBuffer<Void, UInt8> {}

    private let block: Block?

    init() { block = nil }

    /// The fields' values in `Field` order; each is cut to `limit(_:)` bytes.
    init(_ values: [String]) {
        precondition(values.count == Field.allCases.count)  // internal callers only
        let stored: [[UInt8]] = Field.allCases.map { field in
            let bytes = Array(FluxObject.bounded(values[field.rawValue], to: Self.limit(field)).utf8)
            return field == .revision ? Self.packingDigest(bytes) : bytes
        }
        let textBytes = stored.reduce(0) { $0 + $1.count }
        guard textBytes > 0 else {
            block = nil
            return
        }
        let total = Self.tableBytes + textBytes
        let made = Block.create(minimumCapacity: total) { _ in }
        made.withUnsafeMutablePointerToElements { base in
            var end = 0
            for (i, value) in stored.enumerated() {
                for byte in value {
                    base[Self.tableBytes + end] = byte
                    end += 1
                }
                // `end` ≤ 4,096 + 6 × 1,024 + the markers: fits a UInt16.
                let offset = UInt16(truncatingIfNeeded: end)
                base[2 * i] = UInt8(truncatingIfNeeded: offset)
                base[2 * i + 1] = UInt8(truncatingIfNeeded: offset >> 8)
            }
        }
        block = unsafeDowncast(made, to: Block.self)
    }

    /// Runs `body` on the field's UTF-8 bytes, in place (no `String` made; a revision with a packed
    /// digest is unpacked into a temporary buffer first).
    func withUTF8<R>(_ field: Field, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard let block else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try block.withUnsafeMutablePointerToElements { base in
            let range = Self.range(field, base)
            let stored = UnsafeBufferPointer(start: base + Self.tableBytes + range.lowerBound, count: range.count)
            guard field == .revision, let marker = stored.firstIndex(of: Self.digestMarker), marker + 1 < stored.count else {
                return try body(stored)
            }
            // prefix, marker, n, n bytes of digest, suffix: the prefix is UTF-8, which never holds the marker.
            let packed = Int(stored[marker + 1])
            let digest = (marker + 2)..<min(stored.count, marker + 2 + packed)
            let suffix = digest.upperBound..<stored.count
            let count = marker + 2 * digest.count + suffix.count
            return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { text in
                var at = 0
                for byte in stored[..<marker] { text[at] = byte; at += 1 }
                for byte in stored[digest] {
                    text[at] = Self.hexDigits[Int(byte >> 4)]
                    text[at + 1] = Self.hexDigits[Int(byte & 0x0F)]
                    at += 2
                }
                for byte in stored[suffix] { text[at] = byte; at += 1 }
                return try body(UnsafeBufferPointer(rebasing: text[..<at]))
            }
        }
    }

    /// Revisions end in a digest (`main@sha1:<40 hex digits>`, `sha256:<64>`, `6.5.1@sha256:<64>`):
    /// the first run of at least `minDigestDigits` lowercase hex digits is kept as bytes, half its
    /// size, behind a marker byte no UTF-8 text holds and its byte count. Any other text, uppercase
    /// digits included, is kept as it is, so a read gives back exactly what was stored.
    static let minDigestDigits = 32
    private static let digestMarker: UInt8 = 0xFF
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func packingDigest(_ bytes: [UInt8]) -> [UInt8] {
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var start = 0
        while start < bytes.count {
            guard nibble(bytes[start]) != nil else { start += 1; continue }
            var end = start
            while end < bytes.count, nibble(bytes[end]) != nil { end += 1 }
            // An even number of digits, at most 255 bytes' worth; the rest stays text.
            let digits = min(end - start, 2 * Int(UInt8.max)) & ~1
            guard digits >= minDigestDigits else { start = end; continue }
            var packed = Array(bytes[..<start])
            packed.reserveCapacity(bytes.count - digits / 2 + 2)
            packed.append(digestMarker)
            packed.append(UInt8(truncatingIfNeeded: digits / 2))
            var i = start
            while i < start + digits {
                packed.append((nibble(bytes[i]) ?? 0) << 4 | (nibble(bytes[i + 1]) ?? 0))
                i += 2
            }
            packed.append(contentsOf: bytes[(start + digits)...])
            return packed
        }
        return bytes
    }

    subscript(field: Field) -> String {
        withUTF8(field) { String(decoding: $0, as: UTF8.self) }
    }

    /// A copy with one field replaced.
    func replacing(_ field: Field, with value: String) -> ObjectText {
        ObjectText(Field.allCases.map { $0 == field ? value : self[$0] })
    }

    /// Heap bytes of the block (object header, offsets and text), for `FluxObject.estimatedHeapBytes`.
    var heapBytes: Int {
        guard let block else { return 0 }
        return 16 + block.withUnsafeMutablePointerToElements { Self.tableBytes + Int(Self.end(Field.allCases.count - 1, $0)) }
    }

    static func == (lhs: ObjectText, rhs: ObjectText) -> Bool {
        switch (lhs.block, rhs.block) {
        case (nil, nil): return true
        case (nil, _), (_, nil): return false  // a block holds at least one byte of text
        case let (l?, r?):
            if l === r { return true }
            return l.withUnsafeMutablePointerToElements { lp in
                r.withUnsafeMutablePointerToElements { rp in
                    let count = tableBytes + end(Field.allCases.count - 1, lp)
                    guard end(Field.allCases.count - 1, rp) + tableBytes == count else { return false }
                    return UnsafeBufferPointer(start: lp, count: count).elementsEqual(UnsafeBufferPointer(start: rp, count: count))
                }
            }
        }
    }

    private static func end(_ index: Int, _ base: UnsafeMutablePointer<UInt8>) -> Int {
        Int(base[2 * index]) | Int(base[2 * index + 1]) << 8
    }

    private static func range(_ field: Field, _ base: UnsafeMutablePointer<UInt8>) -> Range<Int> {
        let index = field.rawValue
        let start = index == 0 ? 0 : end(index - 1, base)
        return start..<end(index, base)
    }
}
