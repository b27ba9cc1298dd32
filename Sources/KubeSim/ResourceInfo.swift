import KubeCore

/// One served resource kind: what discovery advertises and what the store needs to know.
public struct ResourceInfo: Sendable, Hashable {
    public var group: String
    /// Served versions, preferred (storage) version first.
    public var versions: [String]
    public var resource: String
    public var singular: String
    public var kind: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    /// Declares the `/status` subresource: the main endpoint ignores `.status`, `/status` changes only it.
    public var hasStatus: Bool
    /// Maintains `metadata.generation` (bumped on changes outside metadata and status).
    public var hasGeneration: Bool
    /// Set for kinds served because of a CRD.
    public var crdName: String?

    public init(group: String, versions: [String], resource: String, singular: String, kind: String,
                namespaced: Bool, shortNames: [String] = [], categories: [String] = [],
                hasStatus: Bool = false, hasGeneration: Bool = false, crdName: String? = nil) {
        self.group = group
        self.versions = versions
        self.resource = resource
        self.singular = singular
        self.kind = kind
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.hasStatus = hasStatus
        self.hasGeneration = hasGeneration
        self.crdName = crdName
    }

    /// Storage key shared by every served version: `deployments.apps`, `configmaps`.
    public var storeKey: String { group.isEmpty ? resource : "\(resource).\(group)" }
    /// `deployments.apps` as Kubernetes writes it in messages.
    public var qualifiedName: String { storeKey }
    public var storageVersion: String { versions.first ?? "v1" }
    public var listKind: String { "\(kind)List" }

    public func apiVersion(_ version: String) -> String { group.isEmpty ? version : "\(group)/\(version)" }

    public func gvr(version: String? = nil) -> GroupVersionResource {
        GroupVersionResource(group: group, version: version ?? storageVersion, resource: resource, kind: kind, namespaced: namespaced)
    }

    /// The kinds every simulated cluster serves from the start.
    public static let builtIns: [ResourceInfo] = [
        ResourceInfo(group: "", versions: ["v1"], resource: "namespaces", singular: "namespace", kind: "Namespace",
                     namespaced: false, shortNames: ["ns"], hasStatus: true),
        ResourceInfo(group: "", versions: ["v1"], resource: "nodes", singular: "node", kind: "Node",
                     namespaced: false, shortNames: ["no"], hasStatus: true),
        ResourceInfo(group: "", versions: ["v1"], resource: "secrets", singular: "secret", kind: "Secret", namespaced: true),
        ResourceInfo(group: "", versions: ["v1"], resource: "configmaps", singular: "configmap", kind: "ConfigMap",
                     namespaced: true, shortNames: ["cm"]),
        ResourceInfo(group: "", versions: ["v1"], resource: "serviceaccounts", singular: "serviceaccount", kind: "ServiceAccount",
                     namespaced: true, shortNames: ["sa"]),
        ResourceInfo(group: "", versions: ["v1"], resource: "services", singular: "service", kind: "Service",
                     namespaced: true, shortNames: ["svc"], categories: ["all"], hasStatus: true),
        ResourceInfo(group: "", versions: ["v1"], resource: "events", singular: "event", kind: "Event",
                     namespaced: true, shortNames: ["ev"]),
        ResourceInfo(group: "apps", versions: ["v1"], resource: "deployments", singular: "deployment", kind: "Deployment",
                     namespaced: true, shortNames: ["deploy"], categories: ["all"], hasStatus: true, hasGeneration: true),
        ResourceInfo(group: "events.k8s.io", versions: ["v1"], resource: "events", singular: "event", kind: "Event",
                     namespaced: true, shortNames: ["ev"]),
        ResourceInfo(group: "coordination.k8s.io", versions: ["v1"], resource: "leases", singular: "lease", kind: "Lease",
                     namespaced: true),
        ResourceInfo(group: "apiextensions.k8s.io", versions: ["v1"], resource: "customresourcedefinitions",
                     singular: "customresourcedefinition", kind: "CustomResourceDefinition", namespaced: false,
                     shortNames: ["crd", "crds"], categories: ["api-extensions"], hasStatus: true, hasGeneration: true),
    ]

    static let crdStoreKey = "customresourcedefinitions.apiextensions.k8s.io"
    static let namespaceStoreKey = "namespaces"

    /// Reads the served kinds from a CRD object; nil when it is malformed.
    static func fromCRD(_ crd: JSONValue) -> ResourceInfo? {
        let spec = crd["spec"]
        guard let group = spec["group"].string, let plural = spec[path: "names", "plural"].string,
              let kind = spec[path: "names", "kind"].string, let versions = spec["versions"].array else { return nil }
        var served: [String] = []
        var hasStatus = false
        var storage: String?
        for v in versions {
            guard let name = v["name"].string, v["served"].bool ?? true else { continue }
            served.append(name)
            if v["storage"].bool == true { storage = name }
            if !v[path: "subresources", "status"].isNull { hasStatus = true }
        }
        if let storage, let idx = served.firstIndex(of: storage) { served.swapAt(0, idx) }
        guard !served.isEmpty else { return nil }
        return ResourceInfo(
            group: group, versions: served, resource: plural,
            singular: spec[path: "names", "singular"].string ?? kind.lowercased(), kind: kind,
            namespaced: spec["scope"].string != "Cluster",
            shortNames: spec[path: "names", "shortNames"].array?.compactMap(\.string) ?? [],
            categories: spec[path: "names", "categories"].array?.compactMap(\.string) ?? [],
            hasStatus: hasStatus, hasGeneration: true, crdName: crd.name)
    }
}
