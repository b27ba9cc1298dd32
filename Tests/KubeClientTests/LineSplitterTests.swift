import KubeCore
import Testing
@testable import KubeClient

@Suite struct LineSplitterTests {
    static let stream: [UInt8] = Array("""
    {"type":"ADDED","object":{"metadata":{"name":"a"}}}
    {"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"7"}}}\r
    
    {"type":"DELETED","object":{"metadata":{"name":"ü-unicode"}}}

    """.utf8)

    static func split(_ chunks: [[UInt8]]) -> [String] {
        var splitter = LineSplitter()
        var lines: [String] = []
        for chunk in chunks {
            splitter.feed(chunk) { line in
                lines.append(String(decoding: line, as: UTF8.self))
                return true
            }
        }
        return lines
    }

    @Test func wholeStreamInOneChunk() {
        let lines = Self.split([Self.stream])
        #expect(lines.count == 3)
        #expect(lines[1].hasSuffix("}}}"))
    }

    @Test(arguments: [1, 2, 3, 7, 13, 50, 64])
    func everyChunkSizeGivesTheSameLines(_ size: Int) throws {
        let chunks = stride(from: 0, to: Self.stream.count, by: size).map {
            Array(Self.stream[$0..<min($0 + size, Self.stream.count)])
        }
        let lines = Self.split(chunks)
        #expect(lines == Self.split([Self.stream]))
        let events = try lines.map { try WatchEvent(json: try JSONValue.parse($0)) }
        #expect(events.map(\.type) == [.added, .bookmark, .deleted])
        #expect(events[2].object.name == "ü-unicode")
    }

    @Test func partialTailIsKeptUntilItsNewline() {
        var splitter = LineSplitter()
        var lines: [String] = []
        splitter.feed(Array("abc\nde".utf8)) { lines.append(String(decoding: $0, as: UTF8.self)); return true }
        #expect(lines == ["abc"])
        #expect(splitter.hasPartialLine)
        splitter.feed(Array("f\n".utf8)) { lines.append(String(decoding: $0, as: UTF8.self)); return true }
        #expect(lines == ["abc", "def"])
        #expect(!splitter.hasPartialLine)
    }

    @Test func stopsWhenTheConsumerSaysSo() {
        var splitter = LineSplitter()
        var count = 0
        let kept = splitter.feed(Array("a\nb\nc\n".utf8)) { _ in count += 1; return count < 2 }
        #expect(!kept)
        #expect(count == 2)
    }

    /// The input the fuzzer crashed on (also a seed in Fuzz/Corpus/fuzz-watch): a line ending in
    /// `\r\r\n` and a line of only `\r`s.
    @Test func everyTrailingCarriageReturnIsDropped() {
        #expect(Self.split([Array("a\r\r\n\r\r\n\r\nb\r\r\r\n".utf8)]) == ["a", "b"])
        let hex = "9898989898989898989898989898989898989898989898989898989813051102030d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d0d22645c5c585c5c0d0d0d0d5c2a0d0d0d0d0d0d0d0a0d0d0d0d0d0d0d0d0d0d0d0d0d0d05650a0a0a0a300a4a220a"
        let bytes = stride(from: 0, to: hex.count, by: 2).compactMap { offset -> UInt8? in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)
        }
        #expect(bytes.count == 111)
        var splitter = LineSplitter()
        var lines: [[UInt8]] = []
        splitter.feed(bytes) { lines.append(Array($0)); return true }
        #expect(lines.count == 4)
        for line in lines { #expect(!line.isEmpty && line.last != UInt8(ascii: "\r")) }
    }

    /// Model: split at `\n`, drop every trailing `\r`, drop the lines left empty; the same whatever
    /// the chunk boundaries. Random streams of `\r`, `\n` and letters, seeded.
    @Test(arguments: [UInt64(1), 2, 3, 0xC0FFEE])
    func matchesTheModelOnRandomStreams(_ seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let alphabet: [UInt8] = Array("\r\r\r\n\nab".utf8)
        for _ in 0..<300 {
            let stream = (0..<Int.random(in: 0...60, using: &random)).map { _ in alphabet.randomElement(using: &random) ?? 0 }
            var expected: [String] = []
            var terminated = stream.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            terminated.removeLast()  // the unterminated tail stays pending
            for piece in terminated {
                var line = Array(piece)
                while line.last == UInt8(ascii: "\r") { line.removeLast() }
                if !line.isEmpty { expected.append(String(decoding: line, as: UTF8.self)) }
            }
            var chunks: [[UInt8]] = []
            var rest = stream[...]
            while !rest.isEmpty {
                let size = Int.random(in: 1...8, using: &random)
                chunks.append(Array(rest.prefix(size)))
                rest = rest.dropFirst(size)
            }
            #expect(Self.split(chunks) == expected, "seed \(seed), stream \(stream)")
        }
    }
}
