import KubeCore

/// A discovered Flux kind, read from its CustomResourceDefinition.
public struct FluxCRD: Sendable, Equatable, Hashable {
    /// CRD name, e.g. `gitrepositories.source.toolkit.fluxcd.io`.
    public var name: String
    public var group: String
    public var kind: String
    public var plural: String
    public var namespaced: Bool
    /// `status.storedVersions`; the report uses the LAST entry.
    public var storedVersions: [String]
    public var labels: [String: String]

    public init(
        name: String, group: String, kind: String, plural: String, namespaced: Bool = true,
        storedVersions: [String], labels: [String: String] = [:]
    ) {
        self.name = name
        self.group = group
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
        self.storedVersions = storedVersions
        self.labels = labels
    }

    /// Reads a CustomResourceDefinition object; nil when it lacks group, kind or plural.
    public init?(json: JSONValue) {
        let spec = json["spec"]
        guard let group = spec["group"].string, let kind = spec[path: "names", "kind"].string,
              let plural = spec[path: "names", "plural"].string, !group.isEmpty, !kind.isEmpty, !plural.isEmpty
        else { return nil }
        var stored = (json[path: "status", "storedVersions"].array ?? []).compactMap(\.string)
        if stored.isEmpty {
            // A CRD just created has no storedVersions yet: its storage version is the one that will be stored.
            let storage = (spec["versions"].array ?? []).first { $0["storage"].bool == true }
            if let version = storage?["name"].string { stored = [version] }
        }
        self.init(
            name: json.name.isEmpty ? "\(plural).\(group)" : json.name, group: group, kind: kind, plural: plural,
            namespaced: spec["scope"].string != "Cluster", storedVersions: stored, labels: json.labels)
    }

    /// The version the report names: the last stored version, nil when `storedVersions` is empty.
    public var version: String? { storedVersions.last }

    /// `group/version` of the last stored version, nil when unknown.
    public var apiVersion: String? { version.map { "\(group)/\($0)" } }

    /// The resource to list/watch for this kind, nil when no stored version is known yet.
    public var resource: GroupVersionResource? {
        guard let version else { return nil }
        return GroupVersionResource(group: group, version: version, resource: plural, kind: kind, namespaced: namespaced)
    }

    /// Whether the report covers this kind: labelled `app.kubernetes.io/part-of=flux`, or one of the
    /// Flux Operator's own kinds in `fluxcd.controlplane.io`.
    /// `FluxReport` itself is never a reconciler, whatever its labels say.
    public var isReported: Bool {
        if group == FluxReportAPI.group && kind == FluxReportAPI.kind { return false }
        if labels[FluxKinds.partOfLabel] == "flux" { return true }
        return group == FluxReportAPI.group && FluxKinds.operatorKinds.contains(kind)
    }

    /// `Kind.group`: identifies the kind across version upgrades.
    public var groupKind: String { "\(kind).\(group)" }
}
