import CZlib
import KubeCore

/// gzip (RFC 1952) compression with the system zlib, for `/metrics` responses
/// (`Content-Encoding: gzip` when the scraper sends `Accept-Encoding: gzip`, as Prometheus does).
public enum Gzip {
    /// The level scrapes are compressed at. Level 1 measured on a 100,000-series scrape
    /// (docs/benchmarks.md): about as small as level 6 for this repetitive text at a fraction of the CPU.
    public static let scrapeLevel: Int32 = 1

    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var code: Int32
        public var description: String { "zlib error \(code)" }
    }

    /// Whether an `Accept-Encoding` header value allows gzip: a `gzip` (or `*`) coding whose
    /// `q` is not 0 (RFC 9110 §12.5.3). Several header lines are passed joined with commas.
    public static func accepted(by acceptEncoding: String) -> Bool {
        var gzip: Bool?
        var any: Bool?
        for element in acceptEncoding.split(separator: ",") {
            let parts = element.split(separator: ";")
            guard let first = parts.first else { continue }
            let coding = first.trimmingSpaces().lowercased()
            var allowed = true
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, pair[0].trimmingSpaces().lowercased() == "q" else { continue }
                // "q=0", "q=0.0", "q=0.000": not acceptable. Anything unparsable counts as allowed.
                let q = pair[1].trimmingSpaces()
                allowed = !(q.first == "0" && q.dropFirst().allSatisfy { $0 == "." || $0 == "0" })
            }
            if coding == "gzip" || coding == "x-gzip" { gzip = allowed } else if coding == "*" { any = allowed }
        }
        return gzip ?? any ?? false
    }

    /// The whole of `bytes`, gzip-compressed.
    public static func compress(_ bytes: [UInt8], level: Int32 = scrapeLevel) throws(Failure) -> [UInt8] {
        let compressor = try GzipCompressor(level: level)
        var out: [UInt8] = []
        try compressor.compress(bytes, into: &out)
        try compressor.finish(into: &out)
        return out
    }
}

/// A streaming gzip compressor: feed input in pieces with `compress`, then `finish` once.
/// Not shareable between tasks (it owns a zlib stream); use one per response.
public final class GzipCompressor {
    private let deflater: Deflater
    private var finished = false

    public init(level: Int32 = Gzip.scrapeLevel) throws(Gzip.Failure) { deflater = try Deflater(level: level, gzip: true) }

    /// Compresses `input`, appending whatever compressed bytes zlib releases to `output`
    /// (often none: it buffers up to its window).
    public func compress(_ input: [UInt8], into output: inout [UInt8]) throws(Gzip.Failure) {
        guard !input.isEmpty else { return }
        precondition(!finished, "GzipCompressor used after finish")
        try deflater.deflate(input, flush: Z_NO_FLUSH, into: &output)
    }

    /// Ends the stream: appends the remaining compressed bytes and the gzip trailer.
    public func finish(into output: inout [UInt8]) throws(Gzip.Failure) {
        guard !finished else { return }
        finished = true
        try deflater.deflate([], flush: Z_FINISH, into: &output)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return s
    }
}

/// Raw deflate bytes of some text that can be spliced into a gzip stream: complete non-final
/// blocks ending byte-aligned (`Z_SYNC_FLUSH`), with no reference to data before them (a stream of
/// their own), plus the CRC-32 and length of the text they inflate to.
public struct DeflateSegment: Sendable, Equatable {
    public let bytes: [UInt8]
    public let crc: UInt32
    public let length: Int

    /// `text` compressed on its own (an empty text is an empty segment).
    public static func compress(_ text: [UInt8], level: Int32 = Gzip.scrapeLevel) throws(Gzip.Failure) -> DeflateSegment {
        guard !text.isEmpty else { return DeflateSegment(bytes: [], crc: 0, length: 0) }
        var out: [UInt8] = []
        try SegmentDeflaters.with(level: level) { deflater throws(Gzip.Failure) in
            try deflater.deflate(text, flush: Z_SYNC_FLUSH, into: &out)
        }
        return DeflateSegment(bytes: out, crc: Gzip.crc32(text, 0), length: text.count)
    }

    private init(bytes: [UInt8], crc: UInt32, length: Int) {
        self.bytes = bytes
        self.crc = crc
        self.length = length
    }
}

extension Gzip {
    /// Text to compress, or text compressed before.
    public enum SplicePiece: Sendable {
        case text([UInt8])
        case segment(DeflateSegment)
    }

    static func crc32(_ bytes: [UInt8], _ start: UInt32) -> UInt32 {
        var crc = UInt(start)
        var offset = 0
        while offset < bytes.count {
            let end = offset + min(bytes.count - offset, 1 << 30)
            crc = bytes[offset..<end].withUnsafeBufferPointer { CZlib.crc32(crc, $0.baseAddress, UInt32($0.count)) }
            offset = end
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// The gzip stream of `pieces` in order (what `GzipSplicer` writes), in one array: for tests.
    public static func splice(_ pieces: [SplicePiece]) throws(Failure) -> [UInt8] {
        let splicer = try GzipSplicer()
        var out: [UInt8] = []
        for piece in pieces {
            switch piece {
            case .text(let text): try splicer.text(text, into: &out)
            case .segment(let segment): try splicer.segment(segment, into: &out)
            }
        }
        try splicer.finish(into: &out)
        return out
    }

    /// Inflates a gzip stream (one member).
    public static func decompress(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { throw Failure(code: Z_STREAM_ERROR) }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        var code: Int32 = Z_OK
        var offset = 0
        while true {
            let step = min(bytes.count - offset, 1 << 30)
            let (produced, consumed): (Int, Int) = bytes[offset..<(offset + step)].withUnsafeBufferPointer { input in
                scratch.withUnsafeMutableBufferPointer { buffer in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                    stream.avail_in = UInt32(input.count)
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    code = inflate(&stream, Z_NO_FLUSH)
                    return (buffer.count - Int(stream.avail_out), input.count - Int(stream.avail_in))
                }
            }
            out.append(contentsOf: scratch[0..<produced])
            offset += consumed
            if code == Z_STREAM_END { break }
            if code != Z_OK || (produced == 0 && consumed == 0) { throw Failure(code: code == Z_OK ? Z_DATA_ERROR : code) }
        }
        guard offset == bytes.count else { throw Failure(code: Z_DATA_ERROR) }
        return out
    }
}


/// Raw deflaters kept for `DeflateSegment`: a scrape that renders every bucket compresses thousands
/// of segments of a few KiB, and a deflater made for each would allocate and free its window, hash
/// tables and buffers (about 330 KiB) thousands of times, between the segments that are kept.
/// A few idle ones are kept; a deflater is reset before it is handed out again.
enum SegmentDeflaters {
    static let keptIdle = 2
    private static let idle = LockedState<[Deflater]>([])

    static func with<Result>(level: Int32, _ body: (Deflater) throws(Gzip.Failure) -> Result) throws(Gzip.Failure) -> Result {
        let level = Deflater.clamped(level)
        let reused = idle.withLock { idle in idle.firstIndex { $0.level == level }.map { idle.remove(at: $0) } }
        let deflater: Deflater
        if let reused { deflater = reused } else { deflater = try Deflater(level: level, gzip: false) }
        let result = try body(deflater)
        // A deflater that failed, or cannot be reset, is dropped rather than reused mid-stream.
        if deflater.reset() {
            idle.withLock { idle in
                if idle.count < keptIdle { idle.append(deflater) }
            }
        }
        return result
    }

    /// Deflaters idle now (for tests).
    static var idleCount: Int { idle.withLock { $0.count } }
}

/// One zlib deflate stream, gzip-framed (`GzipCompressor`) or raw (`DeflateSegment`, `GzipSplicer`).
/// Used by one caller at a time (`SegmentDeflaters` hands each out to one), hence unchecked Sendable.
final class Deflater: @unchecked Sendable {
    let level: Int32
    private let stream: UnsafeMutablePointer<z_stream>
    private let scratch: UnsafeMutablePointer<UInt8>
    private static let scratchSize = 64 * 1024

    init(level: Int32, gzip: Bool) throws(Gzip.Failure) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        scratch = .allocate(capacity: Self.scratchSize)
        let level = Self.clamped(level)
        self.level = level
        let code = gzip ? czlib_deflate_init_gzip(stream, level) : czlib_deflate_init_raw(stream, level)
        if code != Z_OK {
            stream.deallocate()
            scratch.deallocate()
            throw Gzip.Failure(code: code)
        }
    }

    static func clamped(_ level: Int32) -> Int32 { max(0, min(9, level)) }

    /// Starts a new stream with the same settings, keeping the allocations; false if zlib refused.
    func reset() -> Bool { deflateReset(stream) == Z_OK }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        scratch.deallocate()
    }

    /// Compresses `input`, then flushes with `flush` (`Z_NO_FLUSH`, `Z_SYNC_FLUSH`, `Z_FULL_FLUSH`,
    /// `Z_FINISH`), appending what zlib releases to `output`.
    func deflate(_ input: [UInt8], flush: Int32, into output: inout [UInt8]) throws(Gzip.Failure) {
        var start = 0
        repeat {
            let end = start + min(input.count - start, 1 << 30)
            let last = end == input.count
            let mode = last ? flush : Z_NO_FLUSH
            let code: Int32 = input[start..<end].withUnsafeBufferPointer { piece in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: piece.baseAddress)
                stream.pointee.avail_in = UInt32(piece.count)
                defer { stream.pointee.next_in = nil }
                while true {
                    stream.pointee.next_out = scratch
                    stream.pointee.avail_out = UInt32(Self.scratchSize)
                    let code = CZlib.deflate(stream, mode)
                    let produced = Self.scratchSize - Int(stream.pointee.avail_out)
                    if produced > 0 { output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: produced)) }
                    if code == Z_STREAM_ERROR || code == Z_STREAM_END { return code }
                    // With output space left, zlib has consumed the input and done the flush.
                    if stream.pointee.avail_out != 0 { return code }
                }
            }
            if mode == Z_FINISH ? code != Z_STREAM_END : (code != Z_OK && code != Z_BUF_ERROR) { throw Gzip.Failure(code: code) }
            start = end
        } while start < input.count
    }
}

/// Writes one gzip stream made of text compressed on the fly and `DeflateSegment`s compressed
/// earlier (a cached scrape): the header, the pieces' blocks in order, a final empty block, and a
/// trailer with the CRC-32 of the whole text (`crc32_combine`) and its length mod 2^32.
///
/// Before a segment, the on-the-fly stream is flushed with `Z_FULL_FLUSH`: its later blocks then
/// refer to nothing before the segment (whose bytes the inflater's window holds instead of its own).
public final class GzipSplicer {
    private let fresh: Deflater
    private var crc: UInt32 = 0
    private var length: UInt64 = 0
    private var started = false
    private var pending = false
    private var finished = false

    public init(level: Int32 = Gzip.scrapeLevel) throws(Gzip.Failure) { fresh = try Deflater(level: level, gzip: false) }

    private func start(into output: inout [UInt8]) {
        guard !started else { return }
        started = true
        // RFC 1952: magic, deflate, no flags, no mtime, no extra flags, OS unknown.
        output.append(contentsOf: [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])
    }

    public func text(_ text: [UInt8], into output: inout [UInt8]) throws(Gzip.Failure) {
        start(into: &output)
        guard !text.isEmpty else { return }
        precondition(!finished, "GzipSplicer used after finish")
        try fresh.deflate(text, flush: Z_NO_FLUSH, into: &output)
        crc = Gzip.crc32(text, crc)
        length &+= UInt64(text.count)
        pending = true
    }

    public func segment(_ segment: DeflateSegment, into output: inout [UInt8]) throws(Gzip.Failure) {
        start(into: &output)
        guard segment.length > 0 else { return }
        precondition(!finished, "GzipSplicer used after finish")
        if pending {
            try fresh.deflate([], flush: Z_FULL_FLUSH, into: &output)
            pending = false
        }
        output.append(contentsOf: segment.bytes)
        crc = UInt32(truncatingIfNeeded: crc32_combine(UInt(crc), UInt(segment.crc), Int(segment.length)))
        length &+= UInt64(segment.length)
    }

    public func finish(into output: inout [UInt8]) throws(Gzip.Failure) {
        start(into: &output)
        guard !finished else { return }
        finished = true
        try fresh.deflate([], flush: Z_FINISH, into: &output)
        for value in [crc, UInt32(truncatingIfNeeded: length)] {
            output.append(contentsOf: [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8),
                                       UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 24)])
        }
    }
}
