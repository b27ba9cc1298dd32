import KubeCore

/// A field of an object by its path from the object's root: `spec.url`, or `status.history[0].chartVersion`
/// where `[0]` is the first element of an array. The kind table names the fields it reads this way, so
/// a test can look each one up in the kind's CRD schema.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public enum Step: Sendable, Hashable {
        case key(String)
        /// The first element of an array.
        case first
    }

    public let steps: [Step]
    public let description: String

    public init(_ text: String) {
        description = text
        var steps: [Step] = []
        for part in text.split(separator: ".") {
            if part.hasSuffix("[0]") {
                steps.append(.key(String(part.dropLast(3))))
                steps.append(.first)
            } else {
                steps.append(.key(String(part)))
            }
        }
        self.steps = steps
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// The value at the path (null when a key is absent); nil when an array on the way is empty or not an array.
    public func resolve<JSON: JSONReadable>(in json: JSON) -> JSON? {
        var node = json
        for step in steps {
            switch step {
            case .key(let key): node = node[key]
            case .first:
                guard let first = node.firstElement else { return nil }
                node = first
            }
        }
        return node
    }

    /// The string at the path; nil when absent or not a string.
    public func string<JSON: JSONReadable>(in json: JSON) -> String? { resolve(in: json)?.string }
}

extension Array where Element == FieldPath {
    /// The first non-empty string found at these paths, in order; nil when none holds one.
    public func firstString<JSON: JSONReadable>(in json: JSON) -> String? {
        for path in self {
            if let value = path.string(in: json), !value.isEmpty { return value }
        }
        return nil
    }
}
