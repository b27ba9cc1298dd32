/// Which object labels `--metrics-object-labels` copies onto the metrics, and their series names.
public struct ObjectLabelSelection: Sendable, Equatable {
    /// One kept object label: its key on the objects and its label on the series.
    public struct Label: Sendable, Equatable {
        public let key: String
        /// `label_<sanitized key>`.
        public let name: String
    }

    /// In flag order, without two keys that sanitize to one name.
    public let labels: [Label]

    public init(keys: [String]) {
        var seen: Set<String> = []
        var labels: [Label] = []
        for key in keys where !key.isEmpty {
            let name = "label_" + MetricLabels.sanitize(key)
            guard seen.insert(name).inserted else { continue }  // two keys may sanitize to one name
            labels.append(Label(key: key, name: name))
        }
        self.labels = labels
    }

    /// The keys in `labels` order: what objects are projected with (`FluxObject.labelValues`).
    public var keys: [String] { labels.map(\.key) }
    public var labelNames: [String] { labels.map(\.name) }

    public static let none = ObjectLabelSelection(keys: [])
}

/// Metric families for Flux objects (docs/monitoring.md, Metrics reference).
public enum FluxMetricFamily: String, Sendable, CaseIterable {
    case resourceInfo = "flux_resource_info"
    case instanceInfo = "flux_instance_info"
    case resourceSetInfo = "flux_resourceset_info"
    case resourceSetInputProviderInfo = "flux_resourcesetinputprovider_info"

    /// The family an object of this kind is exported in (`FluxKindInfo.metricFamily`).
    public init(kind: String) {
        self = FluxKindTable.otherFamilies.first { $0.kind == kind }?.family ?? .resourceInfo
    }

    static let common = ["uid", "kind", "name", "exported_namespace", "ready", "reason", "suspended"]

    /// Label names in the fixed order every series of the family uses (then the object labels).
    public func labelNames(objectLabels: ObjectLabelSelection = .none) -> [String] {
        let specific: [String]
        switch self {
        case .resourceInfo: specific = ["revision", "url", "ref", "source_name", "path"]
        case .instanceInfo: specific = ["registry", "revision"]
        case .resourceSetInfo: specific = ["resources", "revision"]
        case .resourceSetInputProviderInfo: specific = ["url"]
        }
        return Self.common + specific + objectLabels.labelNames
    }

    public var help: String {
        switch self {
        case .resourceInfo: return "The current state of a Flux resource."
        case .instanceInfo: return "The current state of a FluxInstance."
        case .resourceSetInfo: return "The current state of a ResourceSet."
        case .resourceSetInputProviderInfo: return "The current state of a ResourceSetInputProvider."
        }
    }
}

/// Label sets for the Flux object metrics, always in the family's fixed order: swift-prometheus
/// makes a new series when the same labels come in another order.
public enum MetricLabels {
    /// Prometheus label-name sanitizing: every character outside `[a-zA-Z0-9_]` becomes `_`.
    public static func sanitize(_ key: String) -> String {
        String(String.UnicodeScalarView(key.unicodeScalars.map { s in
            let v = s.value
            let ok = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
            return ok ? s : "_"
        }))
    }

    /// The `*_info` series labels of an object, for the family of its kind.
    /// `object.labelValues` must have been projected with `selection.keys`.
    public static func info(_ object: FluxObject, objectLabels selection: ObjectLabelSelection = .none) -> [(String, String)] {
        var labels: [(String, String)] = []
        labels.reserveCapacity(12 + selection.labels.count)
        forEachInfoLabel(object, objectLabels: selection) { labels.append(($0, $1)) }
        return labels
    }

    /// Visits the `*_info` labels of an object in the family's fixed order, without allocating:
    /// the scrape path renders 100,000 series with it.
    @inlinable
    public static func forEachInfoLabel(_ object: FluxObject, objectLabels selection: ObjectLabelSelection = .none,
                                        _ body: (String, String) -> Void) {
        body("uid", object.uid)
        body("kind", object.kind)
        body("name", object.name)
        body("exported_namespace", object.namespace)
        body("ready", object.metricReady.rawValue)
        body("reason", object.reason)
        body("suspended", object.suspended ? "True" : "False")
        switch FluxMetricFamily(kind: object.kind) {
        case .resourceInfo:
            body("revision", object.revision)
            body("url", object.url)
            body("ref", object.ref)
            body("source_name", object.sourceName)
            body("path", object.path)
        case .instanceInfo:
            body("registry", object.registry)
            body("revision", object.revision)
        case .resourceSetInfo:
            body("resources", String(object.resources))
            body("revision", object.revision)
        case .resourceSetInputProviderInfo:
            body("url", object.url)
        }
        for (i, label) in selection.labels.enumerated() {
            body(label.name, i < object.labelValues.count ? object.labelValues[i] : "")
        }
    }

    /// `gotk_suspend_status{kind,name,namespace}`: labels and value (1 suspended, 0 not).
    public static func suspendStatus(_ object: FluxObject) -> (labels: [(String, String)], value: Double) {
        ([("kind", object.kind), ("name", object.name), ("namespace", object.namespace)], object.suspended ? 1 : 0)
    }
}

/// The status label of `gotk_reconcile_condition`.
public enum GotkConditionStatus: String, Sendable, CaseIterable {
    case `true` = "True"
    case `false` = "False"
    case unknown = "Unknown"
    case deleted = "Deleted"

    public init(_ ready: ReadyStatus) {
        switch ready {
        case .true: self = .true
        case .false: self = .false
        case .unknown: self = .unknown
        }
    }
}

/// `gotk_reconcile_condition{kind,name,namespace,type="Ready",status}`: one series per status,
/// the current one at 1 and the others at 0, as the pre-2.1 Flux controllers exported it.
public enum ReconcileConditionSeries {
    public static let labelNames = ["kind", "name", "namespace", "type", "status"]

    /// All four series for an object whose Ready status is `current` (`.deleted` once it is gone).
    public static func series(kind: String, name: String, namespace: String, current: GotkConditionStatus)
        -> [(labels: [(String, String)], value: Double)]
    {
        GotkConditionStatus.allCases.map { status in
            (
                [("kind", kind), ("name", name), ("namespace", namespace), ("type", "Ready"), ("status", status.rawValue)],
                status == current ? 1 : 0
            )
        }
    }

    public static func series(for object: FluxObject) -> [(labels: [(String, String)], value: Double)] {
        series(kind: object.kind, name: object.name, namespace: object.namespace, current: GotkConditionStatus(object.metricReady))
    }
}
