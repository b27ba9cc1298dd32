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
        let pieces = ["", "a", "main", "é", "日本", "🚀", "sha256:", "https://example.com/", "x\"y\\z\n"]
        switch rng.int(0...5) {
        case 0: return ""
        case 1: return rng.pick(pieces) ?? ""
        case 2, 3: return (0..<rng.int(1...12)).map { _ in rng.pick(pieces) ?? "" }.joined()
        case 4: return String(repeating: rng.pick(["x", "é", "🚀"]) ?? "x", count: rng.int(300...1_100))
        default: return String(repeating: "m", count: rng.int(1_000...5_000))
        }
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
            let textBytes = Self.fields.reduce(0) { $0 + object[keyPath: $1.path].utf8.count }
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
}
