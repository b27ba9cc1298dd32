import KubeCore
import Yams

/// A JSON-like tree whose mappings keep insertion order, used to print reports in docs/report.md field order.
///
/// `JSONValue` sorts object keys on output (right for API bodies); humans reading `report -o yaml`
/// expect the documented order, so text rendering goes through this type instead.
public indirect enum OrderedDocument: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case list([OrderedDocument])
    case map([(String, OrderedDocument)])

    public static func == (lhs: OrderedDocument, rhs: OrderedDocument) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.list(let a), .list(let b)): return a == b
        case (.map(let a), .map(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The same tree as an (unordered) `JSONValue`.
    public var json: JSONValue {
        switch self {
        case .string(let s): return .string(s)
        case .int(let i): return .int(i)
        case .bool(let b): return .bool(b)
        case .list(let items): return .array(items.map(\.json))
        case .map(let pairs):
            var dict: [String: JSONValue] = [:]
            for (key, value) in pairs { dict[key] = value.json }
            return .object(dict)
        }
    }

    /// YAML text in insertion order. Strings that YAML would read back as another type
    /// (`"1"`, `"true"`, `"null"`, `"1.5"`) are double-quoted so the output round-trips.
    public func renderYAML() throws -> String {
        try Yams.serialize(node: yamlNode, indent: 2, width: -1, allowUnicode: true)
    }

    var yamlNode: Node {
        switch self {
        case .string(let s):
            let plainTag = Resolver.default.resolveTag(of: Node.scalar(.init(s)))
            let style: Node.Scalar.Style = plainTag == .str ? .any : .doubleQuoted
            return .scalar(.init(s, Tag(.str), style))
        case .int(let i): return .scalar(.init(String(i)))
        case .bool(let b): return .scalar(.init(b ? "true" : "false"))
        case .list(let items): return .sequence(.init(items.map(\.yamlNode)))
        case .map(let pairs):
            return .mapping(.init(pairs.map { (Node.scalar(.init($0.0)), $0.1.yamlNode) }))
        }
    }

    /// Indented JSON text in insertion order (two spaces, like `kubectl -o json`).
    public func renderJSON() -> String {
        var out: [UInt8] = []
        writeJSON(into: &out, indent: 0)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    private func writeJSON(into out: inout [UInt8], indent: Int) {
        func newline(_ level: Int) {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2))
        }
        switch self {
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .list(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                item.writeJSON(into: &out, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "]"))
        case .map(let pairs):
            if pairs.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                JSONValue.writeString(key, into: &out)
                out.append(contentsOf: ": ".utf8)
                value.writeJSON(into: &out, indent: indent + 1)
            }
            newline(indent)
            out.append(UInt8(ascii: "}"))
        }
    }
}
