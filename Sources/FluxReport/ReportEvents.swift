/// The Flux object a report event is about, when it is about one object (docs/monitoring.md,
/// Routing): notification-controller gets the event as that object's, so a standard Alert selects it.
public struct EventSubject: Sendable, Equatable {
    public var apiVersion: String
    public var kind: String
    public var namespace: String
    public var name: String
    public var uid: String
    /// The revision the object last attempted (or applied); "" when it has none.
    public var revision: String

    public init(apiVersion: String, kind: String, namespace: String, name: String, uid: String = "", revision: String = "") {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.revision = revision
    }

    public init(_ object: FluxObject) {
        self.init(apiVersion: object.apiVersion, kind: object.kind, namespace: object.namespace, name: object.name,
                  uid: object.uid, revision: object.revision)
    }
}

/// A Kubernetes Event to emit on the FluxReport.
public struct ReportEvent: Sendable, Equatable, CustomStringConvertible {
    public enum EventType: String, Sendable, Equatable {
        case normal = "Normal"
        case warning = "Warning"
    }

    public var type: EventType
    public var reason: String
    public var message: String
    /// The one Flux object the event is about (a transition of that object), else nil: the event
    /// is about the report as a whole. The Kubernetes Event stays on the FluxReport either way.
    public var subject: EventSubject?

    public init(type: EventType, reason: String, message: String, subject: EventSubject? = nil) {
        self.type = type
        self.reason = reason
        self.message = message
        self.subject = subject
    }

    public var description: String { "\(type.rawValue) \(reason): \(message)" }
}

/// Which events a report change deserves (docs/report.md, Events): each only on a transition, never on every interval.
public enum ReportEvents {
    public static let reportInitialized = "ReportInitialized"
    public static let syncFailed = "SyncFailed"
    public static let syncRecovered = "SyncRecovered"
    public static let componentNotReady = "ComponentNotReady"
    public static let componentReady = "ComponentReady"
    public static let reconcilersFailing = "ReconcilersFailing"
    public static let reconcilersRecovered = "ReconcilersRecovered"
    public static let distributionChanged = "DistributionChanged"
    public static let reportFailed = "ReportFailed"
    public static let reportRecovered = "ReportRecovered"

    /// Events for the change from the report last written (`old`, nil when the FluxReport was just
    /// created or recreated) to the new one. With no old report, only bad states are announced
    /// (after `ReportInitialized`), since there is nothing to have recovered from.
    /// `failing`: per kind (`Kind.group`), the longest-failing objects to name in `ReconcilersFailing`
    /// (the event is that object's when it is the only one failing). `syncObject`: the sync
    /// Kustomization as read this time, the subject of `SyncFailed` and `SyncRecovered`.
    public static func transitions(
        from old: (spec: FluxReportSpec, status: FluxReportStatus)?, to new: (spec: FluxReportSpec, status: FluxReportStatus),
        failing: [String: [FailingExample]] = [:], syncObject: EventSubject? = nil
    ) -> [ReportEvent] {
        var events: [ReportEvent] = []
        if old == nil {
            events.append(ReportEvent(
                type: .normal, reason: reportInitialized,
                message: "FluxReport created; Flux distribution \(describe(new.spec.distribution))"))
        }
        events += reportHealth(old: old?.status, new: new.status)
        if let old { events += distribution(old: old.spec.distribution, new: new.spec.distribution) }
        events += components(old: old?.spec.components, new: new.spec.components)
        events += reconcilers(old: old?.spec.reconcilers, new: new.spec.reconcilers, failing: failing)
        events += sync(old: old?.spec.sync, new: new.spec.sync, object: syncObject)
        return events
    }

    static func describe(_ d: FluxDistributionStatus) -> String {
        if let version = d.version { return "\(version) (\(d.status))" }
        return d.status
    }

    static func reportHealth(old: FluxReportStatus?, new: FluxReportStatus) -> [ReportEvent] {
        let wasFailed = old?.ready?.status == "False"
        let isFailed = new.ready?.status == "False"
        if isFailed && !wasFailed {
            return [ReportEvent(type: .warning, reason: reportFailed, message: new.ready?.message ?? "report could not be computed")]
        }
        if wasFailed && !isFailed && old != nil {
            return [ReportEvent(type: .normal, reason: reportRecovered, message: "Report computed again: \(new.ready?.message ?? "")")]
        }
        return []
    }

    static func distribution(old: FluxDistributionStatus, new: FluxDistributionStatus) -> [ReportEvent] {
        guard old.status != new.status || old.version != new.version else { return [] }
        return [ReportEvent(
            type: .normal, reason: distributionChanged,
            message: "Flux distribution changed from \(describe(old)) to \(describe(new))")]
    }

    static func components(old: [FluxComponentStatus]?, new: [FluxComponentStatus]) -> [ReportEvent] {
        var oldByName: [String: FluxComponentStatus] = [:]
        for c in old ?? [] { oldByName[c.name] = c }
        var events: [ReportEvent] = []
        for c in new {
            let was = oldByName[c.name]
            if !c.ready && (was?.ready ?? true) {
                events.append(ReportEvent(type: .warning, reason: componentNotReady, message: "Component \(c.name) is not ready: \(c.status)"))
            } else if c.ready, let was, !was.ready {
                events.append(ReportEvent(type: .normal, reason: componentReady, message: "Component \(c.name) is ready: \(c.status)"))
            }
        }
        return events
    }

    static func reconcilers(old: [FluxReconcilerStatus]?, new: [FluxReconcilerStatus], failing: [String: [FailingExample]] = [:]) -> [ReportEvent] {
        var oldFailing: [String: Int] = [:]
        for r in old ?? [] { oldFailing["\(r.kind).\(r.group)"] = r.stats.failing }
        var events: [ReportEvent] = []
        for r in new {
            let was = oldFailing["\(r.kind).\(r.group)"] ?? 0
            let now = r.stats.failing
            if now > 0 && was == 0 {
                let noun = now == 1 ? "resource is" : "resources are"
                var message = "\(now) \(r.kind) \(noun) failing (\(r.apiVersion))"
                let examples = failing["\(r.kind).\(r.group)"] ?? []
                if !examples.isEmpty {
                    message += ": " + examples.map(\.text).joined(separator: ", ") + (now > examples.count ? " and \(now - examples.count) more" : "")
                }
                // About one object only when exactly one is failing and it is the one named.
                let subject = now == 1 && examples.count == 1 ? examples.first?.subject : nil
                events.append(ReportEvent(type: .warning, reason: reconcilersFailing, message: message, subject: subject))
            } else if now == 0 && was > 0 {
                events.append(ReportEvent(
                    type: .normal, reason: reconcilersRecovered, message: "No \(r.kind) resources are failing anymore (\(r.apiVersion))"))
            }
        }
        return events
    }

    static func sync(old: FluxSyncStatus?, new: FluxSyncStatus?, object: EventSubject? = nil) -> [ReportEvent] {
        guard let new else { return [] }
        // The cluster sync is the Kustomization its id names; one read under another name is not it.
        let subject = object.flatMap { "kustomization/\($0.name)" == new.id ? $0 : nil }
        let wasReady = old?.ready ?? true
        if !new.ready && wasReady {
            return [ReportEvent(type: .warning, reason: syncFailed, message: "Cluster sync \(new.id) failed: \(new.status)", subject: subject)]
        }
        if new.ready, let old, !old.ready {
            return [ReportEvent(type: .normal, reason: syncRecovered, message: "Cluster sync \(new.id) recovered: \(new.status)", subject: subject)]
        }
        return []
    }
}
