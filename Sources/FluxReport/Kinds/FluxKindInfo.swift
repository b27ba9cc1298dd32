import KubeCore

/// Everything kind-specific the report, the metrics and the signals read of one Flux kind: one entry
/// of `FluxKindTable`. A field left at its default reads like any other kind (`FluxKindTable.generic`).
public struct FluxKindInfo: Sendable {
    /// The project that defines the kind: it decides where the revision and the suspension are read.
    public enum Origin: Sendable, Equatable {
        /// The GitOps Toolkit controllers: `spec.suspend`; revision `status.lastAttemptedRevision`, else the artifact's.
        case toolkit
        /// The Flux Operator: the `fluxcd.controlplane.io/reconcile: disabled` annotation; revision
        /// `status.lastAppliedRevision` first.
        case fluxOperator

        /// Where the revision is read: the first non-empty of these.
        public var revision: [FieldPath] {
            switch self {
            case .toolkit: Self.toolkitRevision
            case .fluxOperator: Self.operatorRevision
            }
        }

        static let toolkitRevision: [FieldPath] = ["status.lastAttemptedRevision", "status.artifact.revision"]
        static let operatorRevision: [FieldPath] = ["status.lastAppliedRevision"] + toolkitRevision
    }

    /// Whether the kind's Ready condition means something to the metrics.
    public enum Readiness: Sendable, Equatable {
        case condition
        /// No meaningful Ready condition: the metrics report `True`.
        case always
        /// Like `always` for the objects whose field holds the value (a HelmRepository of type `oci`).
        case alwaysWhen(FieldPath, equals: String)

        /// Whether the metrics report this object Ready `True` whatever its condition.
        public func alwaysReady<JSON: JSONReadable>(_ json: JSON) -> Bool {
            switch self {
            case .condition: false
            case .always: true
            case .alwaysWhen(let path, let value): path.string(in: json) == value
            }
        }
    }

    public let kind: String
    /// The API group of the kind's CRD.
    public let group: String
    public let origin: Origin
    /// The `url` label of `flux_resource_info`: the first non-empty of these (none: always empty).
    public let url: [FieldPath]
    /// The `ref` label.
    public let ref: [FieldPath]
    /// The `source_name` label.
    public let sourceName: [FieldPath]
    /// The source reference (an object with `kind`, `name`, `namespace`; a missing kind is
    /// `DependencyEdges.impliedSourceKind`): the first of these that is present.
    public let sourceRef: [FieldPath]
    /// The `path` label.
    public let path: [FieldPath]
    /// The `registry` label of `flux_instance_info`.
    public let registry: [FieldPath]
    /// The array whose element count is the `resources` label of `flux_resourceset_info`.
    public let inventory: FieldPath?
    /// The `source` URL of `spec.sync` when an object of this kind is the cluster's sync source: these
    /// fields joined with `/` (an absent one as "").
    public let syncURL: [FieldPath]
    public let readiness: Readiness
    /// The condition that tells the object drifted from its desired state (docs/monitoring.md, Signals).
    public let driftCondition: String?
    /// The family of the `*_info` series the kind's objects are exported in.
    public let metricFamily: FluxMetricFamily
    /// The kind's own `gotk_resource_info` labels; nil when the kube-state-metrics config covers no such kind.
    public let gotkResourceInfo: [GotkResourceInfo.Label]?

    public init(
        _ kind: String, group: String, origin: Origin = .toolkit, url: [FieldPath] = ["spec.url"], ref: [FieldPath] = [],
        sourceName: [FieldPath] = ["spec.sourceRef.name"], sourceRef: [FieldPath] = ["spec.sourceRef"], path: [FieldPath] = [],
        registry: [FieldPath] = [], inventory: FieldPath? = nil, syncURL: [FieldPath] = ["spec.url"], readiness: Readiness = .condition,
        driftCondition: String? = nil, metricFamily: FluxMetricFamily = .resourceInfo, gotkResourceInfo: [GotkResourceInfo.Label]? = nil
    ) {
        self.kind = kind
        self.group = group
        self.origin = origin
        self.url = url
        self.ref = ref
        self.sourceName = sourceName
        self.sourceRef = sourceRef
        self.path = path
        self.registry = registry
        self.inventory = inventory
        self.syncURL = syncURL
        self.readiness = readiness
        self.driftCondition = driftCondition
        self.metricFamily = metricFamily
        self.gotkResourceInfo = gotkResourceInfo
    }
}
