/// Read access to a JSON value, adopted by the `JSONValue` tree and by the lazy `JSONNode`, so the
/// projections of objects (FluxObject, conditions, accessors) are written once, generically, and
/// specialized for each. Reads never fail: absent members and wrong types read as null/nil.
public protocol JSONReadable: Sendable {
    associatedtype Elements: Sequence<Self>

    /// Member of an object; null when absent or when this is not an object. For duplicate keys
    /// the last one counts.
    subscript(key: String) -> Self { get }
    var isNull: Bool { get }
    var string: String? { get }
    var bool: Bool? { get }
    /// Integer value; doubles with an exact integer value count too (JSON has one number type).
    var int: Int64? { get }
    var double: Double? { get }
    /// The object's keys/values as `[String: String]`, skipping non-string values (labels, annotations).
    var stringMap: [String: String] { get }
    /// The elements of an array; nil when this is not an array.
    var elements: Elements? { get }
    /// The number of elements of an array; nil when this is not an array.
    var elementCount: Int? { get }
    /// The whole value as a tree.
    var value: JSONValue { get }
}

extension JSONReadable {
    /// Walks a path of object keys: `obj[path: "status", "artifact", "size"]`.
    @inlinable
    public subscript(path keys: String...) -> Self {
        var current = self
        for key in keys { current = current[key] }
        return current
    }

    /// The first element of an array; nil when empty or not an array.
    @inlinable
    public var firstElement: Self? {
        guard let elements else { return nil }
        var iterator = elements.makeIterator()
        return iterator.next()
    }
}

extension JSONValue: JSONReadable {
    public var elements: [JSONValue]? { array }
    public var elementCount: Int? { array?.count }
    public var value: JSONValue { self }
}
