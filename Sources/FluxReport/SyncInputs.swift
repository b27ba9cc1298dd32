import KubeCore

/// The cluster's sync Kustomization, reduced to what `spec.sync` reads.
public struct SyncKustomization: Sendable, Equatable {
    public struct SourceRef: Sendable, Equatable {
        public var kind: String
        public var name: String
        public var namespace: String
        public init(kind: String, name: String, namespace: String) {
            self.kind = kind
            self.name = name
            self.namespace = namespace
        }
    }

    public var name: String
    public var namespace: String
    public var path: String?
    public var suspended: Bool
    /// The Ready condition, nil when there is none yet.
    public var ready: Condition?
    public var sourceRef: SourceRef?
    /// For the sync events' subject: the object's apiVersion and uid, and `status.lastAttemptedRevision`
    /// (else `lastAppliedRevision`; "" when neither).
    public var apiVersion: String
    public var uid: String
    public var revision: String

    public init(
        name: String, namespace: String, path: String? = nil, suspended: Bool = false, ready: Condition? = nil,
        sourceRef: SourceRef? = nil, apiVersion: String = "kustomize.toolkit.fluxcd.io/v1", uid: String = "", revision: String = ""
    ) {
        self.name = name
        self.namespace = namespace
        self.path = path
        self.suspended = suspended
        self.ready = ready
        self.sourceRef = sourceRef
        self.apiVersion = apiVersion
        self.uid = uid
        self.revision = revision
    }

    public init(json: JSONValue) {
        let spec = json["spec"]
        let namespace = json.namespace ?? ""
        var ref: SourceRef?
        let r = spec["sourceRef"]
        if let kind = r["kind"].string, let name = r["name"].string {
            let ns = r["namespace"].string ?? ""
            ref = SourceRef(kind: kind, name: name, namespace: ns.isEmpty ? namespace : ns)
        }
        self.init(
            name: json.name, namespace: namespace, path: spec["path"].string, suspended: spec["suspend"].bool == true,
            ready: json.condition(FluxReportAPI.readyCondition), sourceRef: ref,
            apiVersion: json.apiVersion ?? "kustomize.toolkit.fluxcd.io/v1", uid: json.uid,
            revision: FluxObject.bounded(json["status"]["lastAttemptedRevision"].string.nonEmpty ?? json["status"]["lastAppliedRevision"].string ?? ""))
    }
}

/// The sync's source (GitRepository, OCIRepository or Bucket), reduced to its URL and readiness.
public struct SyncSource: Sendable, Equatable {
    public var url: String
    public var ready: Condition?

    public init(url: String, ready: Condition? = nil) {
        self.url = url
        self.ready = ready
    }

    /// The kind's `syncURL` fields joined with `/`: `spec.url`, or for a Bucket `<spec.endpoint>/<spec.bucketName>`.
    public init(json: JSONValue, kind: String) {
        let url = FluxKindTable.entry(kind).syncURL.map { $0.string(in: json) ?? "" }.joined(separator: "/")
        self.init(url: url, ready: json.condition(FluxReportAPI.readyCondition))
    }
}
