import KubeCore

/// The FluxReport as the reconciler needs it from the cache.
public struct CachedReport: Sendable, Equatable {
    public var uid: String
    public var generation: Int64?
    public var annotations: [String: String]
    public var beingDeleted: Bool
    public var lastHandledReconcileAt: String?
    public var resourceVersion: String?

    public init(json: JSONValue) {
        uid = json.uid
        resourceVersion = json.resourceVersion
        generation = json.generation
        annotations = json.annotations
        beingDeleted = json.isBeingDeleted
        lastHandledReconcileAt = json[path: "status", "lastHandledReconcileAt"].string
    }
}
