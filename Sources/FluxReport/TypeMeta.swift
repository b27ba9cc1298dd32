/// An object's `kind` and `apiVersion`, as one shared reference: every object of a kind has the same
/// pair, so the cache keeps one per kind (`FluxObject` holds 8 bytes for both instead of two
/// 16-byte strings).
public final class TypeMeta: Sendable, Hashable {
    public let kind: String
    public let apiVersion: String

    public init(kind: String, apiVersion: String) {
        self.kind = kind
        self.apiVersion = apiVersion
    }

    public static func == (lhs: TypeMeta, rhs: TypeMeta) -> Bool {
        lhs === rhs || (lhs.kind == rhs.kind && lhs.apiVersion == rhs.apiVersion)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(apiVersion)
    }
}
