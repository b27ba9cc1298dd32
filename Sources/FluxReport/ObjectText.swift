/// The high-cardinality strings of one `FluxObject` (name, message, revision, URL, ref, path,
/// registry) in ONE heap block: their end offsets, then their UTF-8 bytes.
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
        let bounded = Field.allCases.map { FluxObject.bounded(values[$0.rawValue], to: Self.limit($0)) }
        let textBytes = bounded.reduce(0) { $0 + $1.utf8.count }
        guard textBytes > 0 else {
            block = nil
            return
        }
        let total = Self.tableBytes + textBytes
        let made = Block.create(minimumCapacity: total) { _ in }
        made.withUnsafeMutablePointerToElements { base in
            var end = 0
            for (i, value) in bounded.enumerated() {
                for byte in value.utf8 {
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

    /// Runs `body` on the field's UTF-8 bytes, in place (no `String` made).
    func withUTF8<R>(_ field: Field, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard let block else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try block.withUnsafeMutablePointerToElements { base in
            let range = Self.range(field, base)
            return try body(UnsafeBufferPointer(start: base + Self.tableBytes + range.lowerBound, count: range.count))
        }
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
