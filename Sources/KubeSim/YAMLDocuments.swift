import KubeCore
import Yams

/// Multi-document YAML (or JSON, which is YAML) → `JSONValue`s, keeping scalars typed the way
/// Kubernetes reads them (timestamps and other tags stay strings).
public enum YAMLDocuments {
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { "invalid YAML: \(message)" }
    }

    /// Every non-empty document; a `kind: List` document is expanded into its items.
    public static func parse(_ text: String) throws(ParseError) -> [JSONValue] {
        var out: [JSONValue] = []
        do {
            var documents = try Yams.compose_all(yaml: text)
            while let node = documents.next() {
                let value = convert(node)
                if value.isNull { continue }
                if value.kind == "List", let items = value["items"].array { out += items } else { out.append(value) }
            }
            if let error = documents.error { throw error }
        } catch let error as ParseError {
            throw error
        } catch {
            throw ParseError(message: "\(error)")
        }
        return out
    }

    /// A request body: JSON through the fast parser, anything else as one YAML document.
    public static func parseOne(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        if let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
           first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            do { return try JSONValue.parse(bytes) } catch { throw ParseError(message: error.description) }
        }
        let docs = try parse(String(decoding: bytes, as: UTF8.self))
        guard let first = docs.first else { throw ParseError(message: "empty document") }
        return first
    }

    static func convert(_ node: Node) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            var dict: [String: JSONValue] = [:]
            for (key, value) in mapping { dict[key.string ?? ""] = convert(value) }
            return .object(dict)
        case .sequence(let sequence):
            return .array(sequence.map(convert))
        case .scalar(let scalar):
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return node.bool.map { .bool($0) } ?? .string(scalar.string)
            case .int:
                if let i = Int64(scalar.string) { return .int(i) }
                return node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
            case .float: return node.float.map { .double($0) } ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .alias:
            return .null
        }
    }
}
