import CZlib
import Foundation
import KubeCore
import TestSupport
import Testing
@testable import ControllerRuntime

/// gzip for `/metrics`: what is compressed inflates to the same bytes, in any piece sizes, and the
/// server compresses exactly when the scraper asks for it.
@Suite("Gzip")
struct GzipTests {
    /// Inflates a gzip stream with zlib (the test's own decoder, independent of the compressor's code).
    static func gunzip(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { throw Gzip.Failure(code: -1) }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 32 * 1024)
        var code: Int32 = Z_OK
        try bytes.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = UInt32(input.count)
            repeat {
                let produced = scratch.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    code = inflate(&stream, Z_NO_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                out.append(contentsOf: scratch[0..<produced])
                if code != Z_OK && code != Z_STREAM_END { throw Gzip.Failure(code: code) }
            } while code != Z_STREAM_END && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        guard code == Z_STREAM_END, stream.avail_in == 0 else { throw Gzip.Failure(code: code) }
        return out
    }

    /// Text like a scrape (repetitive lines) mixed with random bytes (incompressible), of random size.
    static func sample(_ random: inout TestRandom) -> [UInt8] {
        let size = [0, 1, Int.random(in: 2...100, using: &random), Int.random(in: 1...70_000, using: &random),
                    Int.random(in: 70_000...600_000, using: &random)].randomElement(using: &random) ?? 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        while bytes.count < size {
            if Bool.random(using: &random) {
                bytes.append(contentsOf: "flux_resource_info{name=\"obj-\(UInt32.random(in: 0...100_000, using: &random))\",ready=\"True\"} 1\n".utf8)
            } else {
                for _ in 0..<Int.random(in: 1...200, using: &random) { bytes.append(UInt8.random(in: 0...255, using: &random)) }
            }
        }
        return Array(bytes.prefix(size))
    }

    /// A gzip stream spliced from text compressed on the fly and segments compressed earlier (the
    /// cached scrape) inflates to the pieces' text in order, with the trailer's CRC and length
    /// checked by zlib; empty pieces and runs of segments or of texts included.
    @Test func splicedSegmentsInflateToTheText() throws {
        var random = TestRandom()
        print("GzipTests.splicedSegmentsInflateToTheText: \(random)")
        for round in 0..<30 {
            var pieces: [Gzip.SplicePiece] = []
            var expected: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &random) {
                var text = Self.sample(&random)
                if text.count > 200_000 { text = Array(text.prefix(200_000)) }
                expected += text
                pieces.append(Bool.random(using: &random) ? .text(text) : .segment(try DeflateSegment.compress(text)))
            }
            let spliced = try Gzip.splice(pieces)
            #expect(try Self.gunzip(spliced) == expected, "round \(round), \(pieces.count) pieces, \(random)")
            #expect(try Gzip.decompress(spliced) == expected, "round \(round), \(random)")
        }
        // A segment's bytes alone are not a stream: the splicer adds the frame and the final block.
        let segment = try DeflateSegment.compress(Array("abc\n".utf8))
        #expect(segment.length == 4 && !segment.bytes.isEmpty)
        #expect(try Self.gunzip(Gzip.splice([.segment(segment), .segment(segment)])) == Array("abc\nabc\n".utf8))
    }

    /// Segments share a few reset deflaters: a reused one must make exactly the bytes a new one
    /// makes for the same text (nothing of the text before it kept in its window or state), at
    /// every level, from several tasks at once, and at most `keptIdle` stay idle afterwards.
    @Test func reusedDeflatersMakeTheSegmentsANewOneMakes() async throws {
        var random = TestRandom()
        print("GzipTests.reusedDeflatersMakeTheSegmentsANewOneMakes: \(random)")
        let seeds = (0..<4).map { _ in UInt64.random(in: 0...UInt64.max, using: &random) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for seed in seeds {
                group.addTask {
                    var random = TestRandom(seed: seed)
                    for round in 0..<25 {
                        let text = Self.sample(&random)
                        let level = [Gzip.scrapeLevel, Gzip.scrapeLevel, 6, 9].randomElement(using: &random) ?? Gzip.scrapeLevel
                        let segment = try DeflateSegment.compress(text, level: level)
                        var fresh: [UInt8] = []
                        if !text.isEmpty {
                            try Deflater(level: level, gzip: false).deflate(text, flush: Z_SYNC_FLUSH, into: &fresh)
                        }
                        #expect(segment.bytes == fresh, "seed \(seed), round \(round), level \(level), \(text.count) bytes")
                        #expect(try Self.gunzip(Gzip.splice([.segment(segment)])) == text, "seed \(seed), round \(round)")
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(SegmentDeflaters.idleCount <= SegmentDeflaters.keptIdle)
    }

    /// Random trees of pieces (text, segments, and `each` nested up to three deep): the leaves are
    /// never `each`, come in the tree's order, and are made only when reached; the gzip body spliced
    /// from them and the plain text both equal the tree's text.
    @Test func eachPiecesAreMadeWhenReachedAndScrapeLikeTheirLeaves() throws {
        var random = TestRandom()
        print("GzipTests.eachPiecesAreMadeWhenReachedAndScrapeLikeTheirLeaves: \(random)")
        final class Made: Sendable { let count = LockedState(0) }
        func tree(_ depth: Int, _ random: inout TestRandom, _ made: Made) -> (MetricsPiece, [UInt8]) {
            let kind = depth >= 3 ? Int.random(in: 0...1, using: &random) : Int.random(in: 0...2, using: &random)
            switch kind {
            case 0:
                let text = Array("text_\(UInt32.random(in: 0...999, using: &random)) 1\n".utf8)
                return (.text { $0 += text }, text)
            case 1:
                let text = Self.sample(&random).prefix(5_000).map { $0 }
                return (.compressed(segment: { () throws(Gzip.Failure) -> DeflateSegment in try DeflateSegment.compress(text) },
                                    text: { $0 += text }), text)
            default:
                let children = (0..<Int.random(in: 0...6, using: &random)).map { _ in tree(depth + 1, &random, made) }
                let pieces = children.map(\.0)
                return (.each(count: pieces.count) { index in
                    made.count.withLock { $0 += 1 }
                    return pieces[index]
                }, children.flatMap(\.1))
            }
        }
        for round in 0..<60 {
            let made = Made()
            let trees = (0..<Int.random(in: 0...8, using: &random)).map { _ in tree(0, &random, made) }
            let expected = trees.flatMap(\.1)
            var leaves = MetricsLeaves(trees.map(\.0))
            #expect(made.count.withLock { $0 } == 0, "round \(round): nothing is made before the scrape reaches it")
            var plain: [UInt8] = []
            var encoder = try ScrapeEncoder(gzip: true)
            var gzip: [UInt8] = []
            while let leaf = leaves.next() {
                if case .each = leaf { Issue.record("round \(round): an `each` among the leaves, \(random)") }
                leaf.text(&plain)
                if let bytes = try encoder.add(leaf) { gzip += bytes }
            }
            gzip += try encoder.finish()
            #expect(plain == expected, "round \(round), \(random)")
            #expect(try Self.gunzip(gzip) == expected, "round \(round), \(random)")
            var whole: [UInt8] = []
            for (piece, _) in trees { piece.text(&whole) }
            #expect(whole == expected, "round \(round), \(random)")
        }
    }

    @Test func streamedPiecesInflateToTheInput() throws {
        var random = TestRandom()
        print("GzipTests.streamedPiecesInflateToTheInput: \(random)")
        for round in 0..<40 {
            let input = Self.sample(&random)
            let compressor = try GzipCompressor(level: Int32.random(in: 1...6, using: &random))
            var compressed: [UInt8] = []
            var offset = 0
            while offset < input.count {
                let piece = min(input.count - offset, Int.random(in: 1...100_000, using: &random))
                try compressor.compress(Array(input[offset..<offset + piece]), into: &compressed)
                offset += piece
            }
            try compressor.finish(into: &compressed)
            #expect(compressed.prefix(2) == [0x1f, 0x8b], "round \(round), \(random)")
            #expect(try Self.gunzip(compressed) == input, "round \(round), \(input.count) bytes, \(random)")
            #expect(try Self.gunzip(Gzip.compress(input)) == input, "round \(round), \(random)")
        }
    }

    @Test func repetitiveTextShrinks() throws {
        let text = Array(String(repeating: "flux_resource_info{kind=\"Kustomization\",ready=\"True\"} 1\n", count: 10_000).utf8)
        let compressed = try Gzip.compress(text)
        #expect(compressed.count * 20 < text.count, "\(compressed.count) of \(text.count) bytes")
    }

    @Test(arguments: [
        ("gzip", true), ("gzip, deflate, br", true), ("deflate, GZIP;q=0.5", true), ("x-gzip", true),
        ("identity", false), ("", false), ("gzip;q=0", false), ("gzip; q=0.000", false), ("*", true),
        ("*;q=0", false), ("gzip;q=0, *", false), ("br, *;q=0.1", true), ("gzip;q=0.001", true),
    ])
    func acceptEncoding(header: String, accepted: Bool) {
        #expect(Gzip.accepted(by: header) == accepted, "Accept-Encoding: \(header)")
    }

    /// One GET with curl (its output to a pipe, never the test's stdout): status line and headers, body.
    static func curl(_ url: String, _ arguments: [String]) async throws -> (headers: String, body: [UInt8]) {
        let headerFile = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-test-\(UUID().uuidString).headers")
        defer { try? FileManager.default.removeItem(at: headerFile) }
        let outcome = try await ChildProcess.run("/usr/bin/curl", ["-sS", "-D", headerFile.path] + arguments + [url])
        #expect(outcome.status == 0, "curl: \(outcome.stderr)")
        return (try String(contentsOf: headerFile, encoding: .utf8).lowercased(), outcome.output)
    }

    /// What a scrape took (a collector's snapshot of 100,000 objects, captured by its pieces) is
    /// released when its response ends, not kept until the next scrape.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "needs curl"))
    func aScrapesPiecesAreReleasedWhenItsResponseEnds() async throws {
        final class Taken: Sendable {
            let released = OneShot<Void>()
            deinit { released.deliver(()) }
        }
        final class TakingCollector: MetricsCollector {
            let taken = LockedState<[OneShot<Void>]>([])
            func pieces() -> [MetricsPiece] {
                let snapshot = Taken()
                taken.withLock { $0.append(snapshot.released) }
                let line = Array("a 1\n".utf8)
                return [.text { _ in _ = snapshot },
                        .compressed(segment: { () throws(Gzip.Failure) -> DeflateSegment in
                            _ = snapshot
                            return try DeflateSegment.compress(line)
                        }, text: { _ = snapshot; $0 += line })]
            }
        }
        let collector = TakingCollector()
        let registry = MetricsRegistry()
        registry.register(collector: collector)
        let metrics = RuntimeHTTPServer.metrics(address: try ListenAddress(parsing: "127.0.0.1:0"), registry: registry)
        let server = Task { try await metrics.run() }
        defer { server.cancel() }
        let url = "http://127.0.0.1:\(await metrics.boundPort())/metrics"
        for arguments in [["-H", "Accept-Encoding: gzip"], [], ["--compressed", "--keepalive-time", "60"]] {
            _ = try await Self.curl(url, arguments)
            let released = try #require(collector.taken.withLock { $0.last })
            let freed = await withTaskGroup(of: Bool.self) { race in
                race.addTask { await released.waitUnlessCancelled() != nil }
                race.addTask { (try? await Task.sleep(for: .seconds(10))) == nil }
                let first = await race.next() ?? false
                race.cancelAll()
                return first
            }
            #expect(freed, "the pieces of a scrape with curl \(arguments) were still held 10 s after its response")
        }
        server.cancel()
        _ = await server.result
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "needs curl"))
    func metricsServerCompressesWhenAsked() async throws {
        var random = TestRandom()
        print("GzipTests.metricsServerCompressesWhenAsked: \(random)")
        let registry = MetricsRegistry()
        registry.register(collector: ManySeriesCollector(count: Int.random(in: 0...30_000, using: &random)))
        let expected = registry.scrape()
        let metrics = RuntimeHTTPServer.metrics(address: try ListenAddress(parsing: "127.0.0.1:0"), registry: registry)
        let server = Task { try await metrics.run() }
        defer { server.cancel() }
        let url = "http://127.0.0.1:\(await metrics.boundPort())/metrics"

        let gzipped = try await Self.curl(url, ["-H", "Accept-Encoding: gzip"])
        #expect(gzipped.headers.contains("content-encoding: gzip"), "\(gzipped.headers) \(random)")
        #expect(gzipped.headers.contains("vary: accept-encoding"), "\(gzipped.headers)")
        #expect(gzipped.body.count < expected.count / 5, "\(gzipped.body.count) of \(expected.count) bytes, \(random)")
        #expect(try Self.gunzip(gzipped.body) == expected, "\(random)")

        // curl's own decoder agrees.
        let decoded = try await Self.curl(url, ["--compressed"])
        #expect(decoded.headers.contains("content-encoding: gzip"), "\(decoded.headers)")
        #expect(decoded.body == expected, "\(random)")

        for header in [[], ["-H", "Accept-Encoding: identity"], ["-H", "Accept-Encoding: gzip;q=0"]] {
            let plain = try await Self.curl(url, header)
            #expect(!plain.headers.contains("content-encoding"), "\(header): \(plain.headers)")
            #expect(plain.headers.contains("vary: accept-encoding"), "\(header): \(plain.headers)")
            #expect(plain.body == expected, "\(header), \(random)")
        }
        server.cancel()
        _ = await server.result
    }
}
