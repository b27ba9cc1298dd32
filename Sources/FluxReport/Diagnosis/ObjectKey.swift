/// A Flux object's identity in the diagnosis: kind, namespace and name (`DependencyRoots.key` as text).
public struct ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var kind: String
    public var namespace: String
    public var name: String

    public init(kind: String, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    public init(_ object: FluxObject) {
        self.init(kind: object.kind, namespace: object.namespace, name: object.name)
    }

    /// Reads `Kind/namespace/name` (what `SignalInputs.dependencies` and `why` take); nil unless it
    /// has exactly three parts, the kind and the name not empty (a cluster-scoped object has no namespace).
    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[2].isEmpty else { return nil }
        self.init(kind: String(parts[0]), namespace: String(parts[1]), name: String(parts[2]))
    }

    /// `Kind/namespace/name`.
    public var description: String { DependencyRoots.key(kind: kind, namespace: namespace, name: name) }

    /// `Kind namespace/name`, as people read it.
    public var display: String { "\(kind) \(namespace)/\(name)" }

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        (a.kind, a.namespace, a.name) < (b.kind, b.namespace, b.name)
    }
}

extension FluxObject {
    /// Whether this is the object `key` names, compared in place (no name string made).
    public func has(_ key: ObjectKey) -> Bool {
        var name = key.name
        return name.withUTF8 { wanted in withNameUTF8 { wanted.elementsEqual($0) } }
            && namespace == key.namespace && kind == key.kind
    }
}
