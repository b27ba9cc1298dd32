import KubeCore

/// A parsed label selector: equality-based (`a=b`, `a==b`, `a!=b`) and set-based
/// (`a in (x,y)`, `a notin (x)`, `a`, `!a`) requirements, all of which must match.
public struct LabelSelector: Sendable, Hashable {
    enum Requirement: Sendable, Hashable {
        case equals(String, String)
        case notEquals(String, String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
        case exists(String)
        case doesNotExist(String)
    }

    var requirements: [Requirement]
    public var isEmpty: Bool { requirements.isEmpty }

    public init(parsing text: String) throws(APIError) {
        requirements = []
        for raw in Self.splitTopLevel(text) {
            let part = raw.trimmingSpaces()
            if part.isEmpty { continue }
            requirements.append(try Self.requirement(part))
        }
    }

    public func matches(_ labels: [String: String]) -> Bool {
        for r in requirements {
            switch r {
            case .equals(let k, let v): if labels[k] != v { return false }
            case .notEquals(let k, let v): if labels[k] == v { return false }
            case .isIn(let k, let vs): guard let v = labels[k], vs.contains(v) else { return false }
            case .notIn(let k, let vs): if let v = labels[k], vs.contains(v) { return false }
            case .exists(let k): if labels[k] == nil { return false }
            case .doesNotExist(let k): if labels[k] != nil { return false }
            }
        }
        return true
    }

    /// Splits on commas outside parentheses.
    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for ch in text {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if ch == "," && depth == 0 { parts.append(current); current = "" } else { current.append(ch) }
        }
        parts.append(current)
        return parts
    }

    static func requirement(_ part: String) throws(APIError) -> Requirement {
        if part.hasPrefix("!") {
            let key = String(part.dropFirst()).trimmingSpaces()
            try validateKey(key, part)
            return .doesNotExist(key)
        }
        for op in ["!=", "==", "="] {
            if let range = part.firstRange(of: op) {
                let key = String(part[..<range.lowerBound]).trimmingSpaces()
                let value = String(part[range.upperBound...]).trimmingSpaces()
                try validateKey(key, part)
                try validateValue(value, part)
                return op == "!=" ? .notEquals(key, value) : .equals(key, value)
            }
        }
        let words = part.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
        if words.count == 1 {
            try validateKey(words[0], part)
            return .exists(words[0])
        }
        guard words.count == 3, words[1] == "in" || words[1] == "notin" else {
            throw APIError.badRequest("unable to parse requirement: \(part)")
        }
        var set = words[2].trimmingSpaces()
        guard set.hasPrefix("("), set.hasSuffix(")") else {
            throw APIError.badRequest("unable to parse requirement: found '\(set)', expected: '('")
        }
        set = String(set.dropFirst().dropLast())
        let values = Set(set.split(separator: ",").map { String($0).trimmingSpaces() })
        try validateKey(words[0], part)
        for v in values { try validateValue(v, part) }
        return words[1] == "in" ? .isIn(words[0], values) : .notIn(words[0], values)
    }

    static func validateKey(_ key: String, _ part: String) throws(APIError) {
        guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) else {
            throw APIError.badRequest("unable to parse requirement: invalid label key \"\(key)\" in \"\(part)\"")
        }
    }

    static func validateValue(_ value: String, _ part: String) throws(APIError) {
        guard value.count <= 63, value.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw APIError.badRequest("unable to parse requirement: invalid label value \"\(value)\" in \"\(part)\"")
        }
    }
}

/// A parsed field selector: `path=value`, `path==value`, `path!=value`, comma-separated.
/// `metadata.name` and `metadata.namespace` are answered from the store key; other dotted paths
/// are read from the object.
public struct FieldSelector: Sendable, Hashable {
    struct Requirement: Sendable, Hashable {
        var path: [String]
        var value: String
        var negated: Bool
    }

    var requirements: [Requirement]
    public var isEmpty: Bool { requirements.isEmpty }
    /// True when only name/namespace are used, so matching needs no decoding.
    var needsObject: Bool {
        requirements.contains { $0.path != ["metadata", "name"] && $0.path != ["metadata", "namespace"] }
    }

    public init(parsing text: String) throws(APIError) {
        requirements = []
        for raw in text.split(separator: ",") {
            let part = String(raw).trimmingSpaces()
            if part.isEmpty { continue }
            var found = false
            for op in ["!=", "==", "="] {
                if let range = part.firstRange(of: op) {
                    let path = String(part[..<range.lowerBound]).trimmingSpaces()
                    guard !path.isEmpty else { break }
                    requirements.append(Requirement(
                        path: path.split(separator: ".").map(String.init),
                        value: String(part[range.upperBound...]).trimmingSpaces(), negated: op == "!="))
                    found = true
                    break
                }
            }
            if !found { throw APIError.badRequest("invalid field selector: '\(part)': expected an operator") }
        }
    }

    func matches(name: String, namespace: String, object: () -> JSONValue) -> Bool {
        var decoded: JSONValue?
        for r in requirements {
            let actual: String
            if r.path == ["metadata", "name"] {
                actual = name
            } else if r.path == ["metadata", "namespace"] {
                actual = namespace
            } else {
                if decoded == nil { decoded = object() }
                var node = decoded ?? .null
                for key in r.path { node = node[key] }
                switch node {
                case .string(let s): actual = s
                case .bool(let b): actual = b ? "true" : "false"
                case .int(let i): actual = String(i)
                default: actual = ""
                }
            }
            if (actual == r.value) == r.negated { return false }
        }
        return true
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
