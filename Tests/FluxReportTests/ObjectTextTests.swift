import FluxReport
import KubeCore
import TestSupport
import Testing

/// The object's own strings live in one block (`ObjectText`) behind computed accessors: a model of
/// plain strings says what every read, write and comparison must give.
@Suite struct ObjectTextTests {
    typealias Field = WritableKeyPath<FluxObject, String>
    static var fields: [(name: String, path: Field, limit: Int)] { [
        ("name", \.name, FluxObject.maxFieldBytes), ("message", \.message, FluxObject.maxMessageBytes),
        ("revision", \.revision, FluxObject.maxFieldBytes), ("url", \.url, FluxObject.maxFieldBytes),
        ("ref", \.ref, FluxObject.maxFieldBytes), ("path", \.path, FluxObject.maxFieldBytes),
        ("registry", \.registry, FluxObject.maxFieldBytes),
    ] }

    /// Empty, short, over the small-string size, multi-byte, and over the caps (cut on a character boundary).
    static func value(_ rng: inout TestRandom) -> String {
        let pieces = ["", "a", "main", "é", "日本", "🚀", "sha256:", "https://example.com/", "x\"y\\z\n", "@", "0", "f"]
        switch rng.int(0...6) {
        case 0: return ""
        case 1: return rng.pick(pieces) ?? ""
        case 2, 3: return (0..<rng.int(1...12)).map { _ in rng.pick(pieces) ?? "" }.joined()
        case 4: return String(repeating: rng.pick(["x", "é", "🚀"]) ?? "x", count: rng.int(300...1_100))
        case 5: return String(repeating: "m", count: rng.int(1_000...5_000))
        default:  // digests as revisions end in them, some in uppercase or cut short, and runs of any length
            let digits = rng.pick([31, 32, 33, 40, 64, 65, 509, 510, 511, 1_100]) ?? 40
            let alphabet = Array(rng.chance(0.2) ? "0123456789ABCDEF" : "0123456789abcdef")
            let digest = String((0..<digits).map { _ in rng.pick(alphabet) ?? "0" })
            return (rng.pick(["", "main@sha1:", "6.5.1@sha256:", "é"]) ?? "") + digest + (rng.pick(["", "x", "é", "0"]) ?? "")
        }
    }

    /// What a revision's packed digest saves: the first run of 32 or more lowercase hex digits, an
    /// even number of them up to 510, is kept as bytes (half) behind two bytes.
    static func digestSaving(_ text: String) -> Int {
        let bytes = Array(text.utf8)
        let hex = { (b: UInt8) in (b >= 48 && b <= 57) || (b >= 97 && b <= 102) }
        var i = 0
        while i < bytes.count {
            guard hex(bytes[i]) else { i += 1; continue }
            var j = i
            while j < bytes.count, hex(bytes[j]) { j += 1 }
            let digits = min(j - i, 510) / 2 * 2
            if digits >= 32 { return digits / 2 - 2 }
            i = j
        }
        return 0
    }

    static func make(_ values: [String]) -> FluxObject {
        FluxObject(kind: "GitRepository", name: values[0], message: values[1], revision: values[2], url: values[3],
                   ref: values[4], path: values[5], registry: values[6])
    }

    @Test func readsAndWritesMatchAModelOfPlainStrings() {
        var rng = TestRandom()
        for _ in 0..<300 {
            var model = Self.fields.map { _ in Self.value(&rng) }
            var object = Self.make(model)
            for _ in 0..<rng.int(0...6) {
                let i = rng.int(0...(Self.fields.count - 1))
                model[i] = Self.value(&rng)
                object[keyPath: Self.fields[i].path] = model[i]
            }
            for (i, field) in Self.fields.enumerated() {
                let expected = FluxObject.bounded(model[i], to: field.limit)
                #expect(object[keyPath: field.path] == expected, "\(rng) \(field.name)")
                #expect(object[keyPath: field.path].utf8.count <= field.limit, "\(rng)")
            }
            // The same values however they were set compare equal; one changed field compares unequal.
            let rebuilt = Self.make(model.enumerated().map { FluxObject.bounded($1, to: Self.fields[$0].limit) })
            #expect(object == rebuilt, "\(rng)")
            let i = rng.int(0...(Self.fields.count - 1))
            var changed = object
            changed[keyPath: Self.fields[i].path] = "!" + object[keyPath: Self.fields[i].path]  // a cut keeps the first byte
            #expect(changed != object, "\(rng) \(Self.fields[i].name)")
            let textBytes = Self.fields.reduce(0) { $0 + object[keyPath: $1.path].utf8.count } - Self.digestSaving(object.revision)
            #expect(object.estimatedHeapBytes >= textBytes, "\(rng)")
        }
    }

    @Test func emptyFieldsHoldNoBlock() {
        let empty = FluxObject(kind: "GitRepository", name: "")
        #expect(empty.estimatedHeapBytes == 0)
        var named = empty
        named.name = "a"
        #expect(named.estimatedHeapBytes > 0)
        named.name = ""
        #expect(named == empty)
        #expect(named.estimatedHeapBytes == 0)
    }

    @Test func aRevisionsDigestIsKeptInHalfItsSize() {
        let digest = "4f2a0c9be1d3a5f7086b2c4e6a8d0f1e3b5c7d9a"
        let plain = FluxObject(kind: "GitRepository", name: "", revision: "main@sha1:" + String(repeating: "z", count: 40))
        let packed = FluxObject(kind: "GitRepository", name: "", revision: "main@sha1:" + digest)
        #expect(packed.revision == "main@sha1:" + digest)
        #expect(plain.estimatedHeapBytes - packed.estimatedHeapBytes == 18)
        // Not a revision: kept as it is (its text is 10 bytes longer than the plain revision's).
        let url = FluxObject(kind: "GitRepository", name: "", url: "https://example.com/" + digest)
        #expect(url.estimatedHeapBytes == plain.estimatedHeapBytes + 10)
    }
}
