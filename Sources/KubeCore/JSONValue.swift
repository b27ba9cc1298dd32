/// A JSON value for unstructured Kubernetes objects.
///
/// Objects are kept as dictionaries: Kubernetes never gives meaning to key order,
/// and serialization sorts keys so output is stable run to run.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

// MARK: - Literals

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var dict: [String: JSONValue] = [:]
        dict.reserveCapacity(elements.count)
        for (key, value) in elements { dict[key] = value }
        self = .object(dict)
    }
}

// MARK: - Nested access

extension JSONValue {
    /// Member of an object; `.null` when absent or when `self` is not an object.
    /// Setting on a non-object turns it into an object (like `jq` paths), setting `.null` removes the key.
    public subscript(key: String) -> JSONValue {
        get {
            if case .object(let dict) = self { return dict[key] ?? .null }
            return .null
        }
        set {
            var dict: [String: JSONValue]
            if case .object(let existing) = self { dict = existing } else { dict = [:] }
            if case .null = newValue { dict.removeValue(forKey: key) } else { dict[key] = newValue }
            self = .object(dict)
        }
    }

    /// Element of an array; `.null` when out of range or not an array.
    public subscript(index: Int) -> JSONValue {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return .null
    }

    /// Walks a path of object keys: `obj[path: "status", "artifact", "size"]`.
    public subscript(path keys: String...) -> JSONValue {
        var current = self
        for key in keys { current = current[key] }
        return current
    }

    public var isNull: Bool { if case .null = self { return true } else { return false } }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }
    public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var object: [String: JSONValue]? { if case .object(let o) = self { return o } else { return nil } }

    /// Integer value; doubles with an exact integer value count too (JSON has one number type).
    public var int: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d):
            guard d.isFinite, d.rounded() == d, abs(d) < 9.2e18 else { return nil }
            return Int64(d)
        default: return nil
        }
    }

    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The object's keys/values as `[String: String]`, skipping non-string values (labels, annotations).
    public var stringMap: [String: String] {
        guard case .object(let dict) = self else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in dict { if let s = value.string { out[key] = s } }
        return out
    }
}

// MARK: - Codable (for interop with typed models)

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? container.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .int(let i): try container.encode(i)
        case .double(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}
