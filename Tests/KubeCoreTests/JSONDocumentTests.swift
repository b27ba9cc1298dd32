import KubeCore
import TestSupport
import Testing

/// `JSONDocument` must accept and reject exactly what `JSONValue.parse` does (same error, same
/// offset) and every read through a `JSONNode` must equal the `JSONValue` one. Differential:
/// random values written with random spellings (whitespace, escapes, numbers, duplicate keys,
/// invalid UTF-8), then truncated and mutated. Seeded; the seed is in every failure message
/// (replay: set `seed` below to it).
@Suite struct JSONDocumentTests {
    /// Keys from a small alphabet so objects get duplicates, including spellings Swift's String
    /// equality treats as equal (K and the Kelvin sign, é precomposed and decomposed).
    static let keys = ["a", "b", "name", "K", "\u{212A}", "\u{E9}", "e\u{301}", "", "x\"y", "ü", "😀", "\u{7F}"]
    static let strings = ["", "a", "plain text", "tab\there", "quote\"back\\slash", "é", "e\u{301}", "😀", "\u{1}", "\u{FFFF}", "a/b"]

    struct Writer {
        var rng: TestRandom
        var out: [UInt8] = []

        mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }

        mutating func space() {
            guard chance(30) else { return }
            for _ in 0..<(rng.next() % 3) { out.append(pick([0x20, 0x0A, 0x0D, 0x09])) }
        }

        /// A random value written directly (so duplicate keys and odd spellings are possible).
        mutating func value(depth: Int) {
            space()
            switch rng.next() % (depth > 4 ? 4 : 7) {
            case 0: out += Array(pick(["null", "true", "false"]).utf8)
            case 1: number()
            case 2, 3: string(pick(Self.alphabet))
            case 4, 5:
                out.append(UInt8(ascii: "{"))
                let count = Int(rng.next() % 5)
                for i in 0..<count {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    space()
                    string(pick(JSONDocumentTests.keys))
                    space()
                    out.append(UInt8(ascii: ":"))
                    value(depth: depth + 1)
                }
                space()
                out.append(UInt8(ascii: "}"))
            default:
                out.append(UInt8(ascii: "["))
                let count = Int(rng.next() % 5)
                for i in 0..<count {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    value(depth: depth + 1)
                }
                space()
                out.append(UInt8(ascii: "]"))
            }
            space()
        }

        static let alphabet = JSONDocumentTests.strings + JSONDocumentTests.keys

        mutating func number() {
            let spellings = ["0", "-0", "7", "-12", "3.0", "3.5", "1e2", "1E+2", "-2.5e-3", "9223372036854775807",
                             "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "1e400", "-1e400",
                             "123456789012345678901234567890", "0.1", "1.0e0", "4503599627370497", "2e18", "1e19"]
            out += Array(pick(spellings).utf8)
        }

        /// A string with each scalar written plainly or escaped; sometimes raw invalid UTF-8 or lone surrogates.
        mutating func string(_ text: String) {
            out.append(UInt8(ascii: "\""))
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += Array("\\\"".utf8)
                case "\\": out += Array("\\\\".utf8)
                case "\t": out += Array((chance(50) ? "\\t" : "\\u0009").utf8)
                case "/" where chance(50): out += Array("\\/".utf8)
                case _ where scalar.value < 0x20: out += Array("\\u\(hex(scalar.value))".utf8)
                case _ where chance(20):
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += Array("\\u\(hex(0xD800 + (v >> 10)))\\u\(hex(0xDC00 + (v & 0x3FF)))".utf8)
                    } else {
                        out += Array("\\u\(hex(scalar.value))".utf8)
                    }
                default: out += Array(String(scalar).utf8)
                }
            }
            if chance(5) { out.append(pick([0xFF, 0xC3, 0x80, 0xED])) }
            if chance(5) { out += Array(pick(["\\uD800", "\\uDC00x", "\\uD83D\\u0041", "\\uD83D"]).utf8) }
            out.append(UInt8(ascii: "\""))
        }

        func hex(_ value: UInt32) -> String {
            let digits = String(value, radix: 16, uppercase: value % 2 == 0)
            return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }
    }

    /// Truncates, drops, replaces or inserts a few bytes (JSON punctuation mostly).
    static func mutate(_ bytes: [UInt8], _ rng: inout TestRandom) -> [UInt8] {
        var bytes = bytes
        let punctuation = Array("{}[]\":,\\ u0-e.tfn".utf8) + [0x00, 0xFF]
        for _ in 0..<(1 + rng.next() % 3) {
            guard !bytes.isEmpty else { break }
            let at = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 4 {
            case 0: bytes.removeSubrange(at...)
            case 1: bytes.remove(at: at)
            case 2: bytes[at] = punctuation[Int(rng.next() % UInt64(punctuation.count))]
            default: bytes.insert(punctuation[Int(rng.next() % UInt64(punctuation.count))], at: at)
            }
        }
        return bytes
    }

    /// Every read of `node` against the same read of `value`, recursively; the first difference.
    static func difference(_ node: JSONNode, _ value: JSONValue, at path: String = "$") -> String? {
        if node.value != value { return "\(path): value \(node.value) != \(value)" }
        if node.isNull != value.isNull { return "\(path): isNull" }
        if node.string != value.string { return "\(path): string" }
        if node.int != value.int { return "\(path): int \(String(describing: node.int)) != \(String(describing: value.int))" }
        if node.double != value.double { return "\(path): double" }
        if node.bool != value.bool { return "\(path): bool" }
        if node.stringMap != value.stringMap { return "\(path): stringMap \(node.stringMap) != \(value.stringMap)" }
        if node.elementCount != value.elementCount { return "\(path): elementCount" }
        if let items = value.array {
            guard let nodes = node.elements.map(Array.init), nodes.count == items.count else { return "\(path): elements" }
            for (i, (n, v)) in zip(nodes, items).enumerated() {
                if let d = difference(n, v, at: "\(path)[\(i)]") { return d }
            }
            if (node.firstElement?.value) != items.first { return "\(path): firstElement" }
        }
        // Every key of the alphabet, present or not, in each spelling.
        for key in keys + ["absent"] {
            if value.object?[key] != nil {
                if let d = difference(node[key], value[key], at: "\(path).\(key.debugDescription)") { return d }
            } else if !node[key].isNull || node[key].value != .null {
                return "\(path).\(key.debugDescription): absent member reads as \(node[key].value)"
            }
        }
        if node[path: "a", "b"].value != value[path: "a", "b"] { return "\(path): path a.b" }
        return nil
    }

    /// Parses `bytes` both ways; a description of the first disagreement, nil when they agree.
    static func disagreement(_ bytes: [UInt8]) -> String? {
        let tree = Result { () throws(JSONParseError) in try JSONValue.parse(bytes) }
        let document = Result { () throws(JSONParseError) in try JSONDocument(bytes: bytes) }
        switch (tree, document) {
        case (.success(let value), .success(let document)): return difference(document.root, value)
        case (.failure(let a), .failure(let b)): return a == b ? nil : "errors differ: \(a) vs \(b)"
        case (.success, .failure(let error)): return "document rejects what JSONValue accepts: \(error)"
        case (.failure(let error), .success): return "document accepts what JSONValue rejects (\(error))"
        }
    }

    @Test("random documents, their truncations and mutations: same acceptance, errors and reads (seeded)")
    func differential() {
        var rng = TestRandom()
        let seed = rng.seed
        var accepted = 0
        var rejected = 0
        for round in 0..<3_000 {
            var writer = Writer(rng: TestRandom(seed: rng.next()))
            writer.value(depth: 0)
            for bytes in [writer.out, Self.mutate(writer.out, &rng)] {
                if let problem = Self.disagreement(bytes) {
                    Issue.record("seed \(seed) round \(round): \(problem) in \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                    return
                }
                if (try? JSONValue.parse(bytes)) != nil { accepted += 1 } else { rejected += 1 }
            }
        }
        // Both sides of the grammar were exercised.
        #expect(accepted > 2_000, "seed \(seed)")
        #expect(rejected > 1_000, "seed \(seed)")
    }

    @Test("edge cases: depth limit, trailing data, duplicates, canonically equal keys, numbers")
    func edgeCases() {
        let cases: [String] = [
            "", " ", "{}", "[]", "{} x", "[1,]", "{\"a\":1,}", "01", "-", "1.", "1e", "1e+", ".5", "nul", "truex",
            "{\"a\":1,\"a\":2}", "{\"a\":\"x\",\"a\":3}", "{\"a\":3,\"a\":\"x\"}",
            "{\"K\":1,\"\\u212A\":2}", "{\"\u{212A}\":1}", "{\"\\u00e9\":1,\"e\u{301}\":2}",
            "\"\\uD800\\uDC00\"", "\"\\uD800\\u0041\"", "\"\\uD800\"", "\"\\uDC00\"", "\"\\uD800\\uD800\"", "\"\\x\"", "\"\\u12G4\"",
            "\"\u{1}\"", "\"abc", "[1e400, -1e400, 9223372036854775807, 9223372036854775808, 2.0, -0.0, 1e19]",
            String(repeating: "[", count: 511) + String(repeating: "]", count: 511),
            String(repeating: "[", count: 512) + String(repeating: "]", count: 512),
            String(repeating: "{\"a\":", count: 600) + "1" + String(repeating: "}", count: 600),
        ]
        for text in cases {
            if let problem = Self.disagreement(Array(text.utf8)) { Issue.record("\(text.prefix(80).debugDescription): \(problem)") }
        }
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x7B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x3A, 0x31, 0x7D]] {
            if let problem = Self.disagreement(bytes) { Issue.record("\(bytes): \(problem)") }
        }
    }

    @Test func lazyReadsOfAnObject() throws {
        let document = try JSONDocument("""
            {"metadata": {"name": "n", "namespace": "ns", "labels": {"a": "1", "b": 2}},
             "status": {"conditions": [{"type": "Other"}, {"type": "Ready", "status": "True", "observedGeneration": 3.0}]},
             "items": [1, [2, 3], {"x": []}, "s"]}
            """)
        let root = document.root
        #expect(root.objectKey == "ns/n")
        #expect(root.labels == ["a": "1"])
        #expect(root.condition("Ready") == Condition(type: "Ready", status: "True", observedGeneration: 3))
        #expect(root["items"].elementCount == 4)
        #expect(root["items"].elements.map { $0.map(\.value) } == [1, [2, 3], ["x": []], "s"])
        #expect(root["missing"]["deeper"].isNull)
        #expect(root["items"]["x"].isNull)
    }
}
