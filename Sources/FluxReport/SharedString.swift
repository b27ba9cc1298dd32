/// A string that many objects hold alike (a namespace, a Ready reason, a source name), as one
/// reference to one copy: 8 bytes in each projection instead of a 16-byte `String`, and the cache's
/// interner hands every object the same copy.
public final class SharedString: Sendable, Hashable {
    public let value: String

    public init(_ value: String) { self.value = value }

    /// The empty string, shared by every projection without the field.
    public static let empty = SharedString("")

    /// `value`'s copy; the empty string without an allocation.
    public static func of(_ value: String) -> SharedString { value.isEmpty ? empty : SharedString(value) }

    public static func == (lhs: SharedString, rhs: SharedString) -> Bool { lhs === rhs || lhs.value == rhs.value }

    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
