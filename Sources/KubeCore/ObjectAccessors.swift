/// Convenience accessors for the parts of an unstructured object every layer reads, for the tree
/// and for lazy document nodes alike (inlinable: specialized in the modules that read objects).
extension JSONReadable {
    @inlinable public var metadata: Self { self["metadata"] }
    @inlinable public var name: String { self[path: "metadata", "name"].string ?? "" }
    @inlinable public var namespace: String? { self[path: "metadata", "namespace"].string }
    @inlinable public var uid: String { self[path: "metadata", "uid"].string ?? "" }
    @inlinable public var resourceVersion: String? { self[path: "metadata", "resourceVersion"].string }
    @inlinable public var generation: Int64? { self[path: "metadata", "generation"].int }
    @inlinable public var labels: [String: String] { self[path: "metadata", "labels"].stringMap }
    @inlinable public var annotations: [String: String] { self[path: "metadata", "annotations"].stringMap }
    @inlinable public var kind: String? { self["kind"].string }
    @inlinable public var apiVersion: String? { self["apiVersion"].string }
    @inlinable public var isBeingDeleted: Bool { !self[path: "metadata", "deletionTimestamp"].isNull }

    /// `namespace/name`, or `name` for cluster-scoped objects: the store key informers use.
    @inlinable public var objectKey: String {
        if let namespace, !namespace.isEmpty { return "\(namespace)/\(name)" }
        return name
    }

    /// The condition of the given type from `status.conditions`, if well-formed.
    @inlinable public func condition(_ type: String) -> Condition? {
        guard let conditions = self[path: "status", "conditions"].elements else { return nil }
        for c in conditions where c["type"].string == type { return Condition(json: c) }
        return nil
    }
}

/// `metav1.Condition`, read leniently: fields of the wrong type read as empty.
public struct Condition: Sendable, Hashable, Codable {
    public var type: String
    public var status: String
    public var reason: String
    public var message: String
    public var lastTransitionTime: String
    public var observedGeneration: Int64?

    public init(type: String, status: String, reason: String = "", message: String = "", lastTransitionTime: String = "", observedGeneration: Int64? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }

    @inlinable public init(json: some JSONReadable) {
        type = json["type"].string ?? ""
        status = json["status"].string ?? ""
        reason = json["reason"].string ?? ""
        message = json["message"].string ?? ""
        lastTransitionTime = json["lastTransitionTime"].string ?? ""
        observedGeneration = json["observedGeneration"].int
    }

    public var json: JSONValue {
        var out: JSONValue = [
            "type": .string(type), "status": .string(status), "reason": .string(reason),
            "message": .string(message), "lastTransitionTime": .string(lastTransitionTime),
        ]
        if let observedGeneration { out["observedGeneration"] = .int(observedGeneration) }
        return out
    }
}
