import CZlib

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
    private let stream: UnsafeMutablePointer<z_stream>
    private let scratch: UnsafeMutablePointer<UInt8>
    private static let scratchSize = 64 * 1024
    private var finished = false

    public init(level: Int32 = Gzip.scrapeLevel) throws(Gzip.Failure) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        scratch = .allocate(capacity: Self.scratchSize)
        let code = czlib_deflate_init_gzip(stream, max(0, min(9, level)))
        if code != Z_OK {
            stream.deallocate()
            scratch.deallocate()
            throw Gzip.Failure(code: code)
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        scratch.deallocate()
    }

    /// Compresses `input`, appending whatever compressed bytes zlib releases to `output`
    /// (often none: it buffers up to its window).
    public func compress(_ input: [UInt8], into output: inout [UInt8]) throws(Gzip.Failure) {
        guard !input.isEmpty else { return }
        precondition(!finished, "GzipCompressor used after finish")
        // zlib counts in UInt32: feed at most 1 GiB per call.
        var start = 0
        while start < input.count {
            let end = start + min(input.count - start, 1 << 30)
            let result: Int32 = input[start..<end].withUnsafeBufferPointer { piece in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: piece.baseAddress)
                stream.pointee.avail_in = UInt32(piece.count)
                let code = drain(flush: Z_NO_FLUSH, into: &output)
                stream.pointee.next_in = nil
                return code
            }
            if result != Z_OK && result != Z_BUF_ERROR { throw Gzip.Failure(code: result) }
            start = end
        }
    }

    /// Ends the stream: appends the remaining compressed bytes and the gzip trailer.
    public func finish(into output: inout [UInt8]) throws(Gzip.Failure) {
        guard !finished else { return }
        finished = true
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        let code = drain(flush: Z_FINISH, into: &output)
        if code != Z_STREAM_END { throw Gzip.Failure(code: code) }
    }

    /// Runs `deflate` until it needs more input (or, with `Z_FINISH`, until the stream ends).
    private func drain(flush: Int32, into output: inout [UInt8]) -> Int32 {
        while true {
            stream.pointee.next_out = scratch
            stream.pointee.avail_out = UInt32(Self.scratchSize)
            let code = deflate(stream, flush)
            let produced = Self.scratchSize - Int(stream.pointee.avail_out)
            if produced > 0 { output.append(contentsOf: UnsafeBufferPointer(start: scratch, count: produced)) }
            if code == Z_STREAM_ERROR || code == Z_STREAM_END { return code }
            // Output space left over means zlib has consumed all the input it can for now.
            if stream.pointee.avail_out != 0 { return code }
        }
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
