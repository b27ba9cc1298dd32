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
}
