import KubeCore

/// The object an Event is about (`regarding` / `involvedObject`).
public struct ObjectReference: Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var namespace: String
    public var name: String
    public var uid: String

    public init(apiVersion: String, kind: String, namespace: String, name: String, uid: String = "") {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }

    /// From an object's `apiVersion`, `kind` and metadata.
    public init(object: JSONValue) {
        self.init(apiVersion: object.apiVersion ?? "", kind: object.kind ?? "", namespace: object.namespace ?? "",
                  name: object.name, uid: object.uid)
    }

    public var json: JSONValue {
        var out: JSONValue = ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name)]
        if !namespace.isEmpty { out["namespace"] = .string(namespace) }
        if !uid.isEmpty { out["uid"] = .string(uid) }
        return out
    }
}
