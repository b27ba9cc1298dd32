import KubeCore

/// `gotk_resource_info`, as kube-state-metrics produces it from the custom-resource-state config of
/// fluxcd/flux2-monitoring-example (`monitoring/controllers/kube-prometheus-stack/kube-state-metrics-config.yaml`),
/// so the dashboards and alerts written for that config work with this operator alone
/// (docs/monitoring.md, "gotk_resource_info"). Opt-in: `--metrics-gotk-resource-info`.
///
/// Per object, one series of value 1 with KSM's own labels `customresource_group`,
/// `customresource_kind`, `customresource_version`, the config's common labels `exported_namespace`,
/// `name`, `ready` (the Ready condition's status), `suspended` (`spec.suspend`) and the kind's own
/// labels below. As with KSM, a label whose path is absent in the object has no value (and so no
/// label in Prometheus); `suspended` is `true`/`false` only when `spec.suspend` is set.
public enum GotkResourceInfo {
    public static let metricName = "gotk_resource_info"
    public static let help = "The current state of a GitOps Toolkit resource."

    /// One label of a kind (`FluxKindInfo.gotkResourceInfo`): the first non-empty value of its paths.
    public struct Label: Sendable {
        public let name: String
        public let paths: [FieldPath]

        public init(_ name: String, _ paths: FieldPath...) {
            self.name = name
            self.paths = paths
        }
    }

    /// The kinds the KSM config covers; other kinds (the Flux Operator's, ExternalArtifact) get no series.
    public static let kinds = Set(FluxKindTable.entries.filter { $0.gotkResourceInfo != nil }.map(\.kind))

    /// The labels of `json` that come from the object (every label but KSM's `customresource_*`,
    /// `name` and `exported_namespace`, which the projection holds already), in the config's order,
    /// empty values left out; nil for a kind the config does not cover.
    static func objectLabels<JSON: JSONReadable>(_ json: JSON, entry: FluxKindInfo) -> [(String, String)]? {
        guard let own = entry.gotkResourceInfo else { return nil }
        let spec = json["spec"]
        var labels: [(String, String)] = []
        func add(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            labels.append((name, FluxObject.bounded(value)))
        }
        add("ready", json.condition(FluxReportAPI.readyCondition)?.status)
        add("suspended", spec["suspend"].bool.map { $0 ? "true" : "false" })
        for label in own { add(label.name, label.paths.firstString(in: json)) }
        return labels
    }

    /// Every label of the object's series, KSM's `customresource_*` first.
    public static func labels(_ object: FluxObject, _ own: GotkInfoLabels) -> [(String, String)] {
        let gv = GroupVersion(apiVersion: object.apiVersion)
        return [("customresource_group", gv.group), ("customresource_kind", object.kind), ("customresource_version", gv.version),
                ("exported_namespace", object.namespace), ("name", object.name)] + own.pairs
    }
}

/// The object's own `gotk_resource_info` labels, kept by the cache only with `--metrics-gotk-resource-info`
/// (a pointer per object otherwise nil: the default costs 8 bytes per object and no allocation).
public final class GotkInfoLabels: Sendable, Equatable {
    public let pairs: [(String, String)]

    public init(_ pairs: [(String, String)]) { self.pairs = pairs }

    public static func == (a: GotkInfoLabels, b: GotkInfoLabels) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    /// Heap bytes beyond the pointer, for `FluxObject.estimatedHeapBytes`.
    var heapBytes: Int {
        func heap(_ s: String) -> Int { s.utf8.count > 15 ? s.utf8.count + 32 : 0 }
        return 48 + pairs.count * 32 + pairs.reduce(0) { $0 + heap($1.1) }
    }
}
