import KubeCore

/// Which evidence gave an object's last observed reconcile time (docs/monitoring.md, Signals).
public enum ReconcileEvidence: String, Sendable, Equatable, CaseIterable {
    case none = ""
    /// `status.history[].lastReconciled` (Kustomization on Flux ≥ 2.7, FluxInstance, ResourceSet): moves on every reconcile.
    case history
    /// ImageRepository `status.lastScanResult.scanTime`: moves on every scan.
    case scan
    /// `status.lastHandledReconcileAt` parsed as RFC 3339: a manual `flux reconcile` that was handled.
    case request
    /// Sources' `status.artifact.lastUpdateTime`: moves only when the artifact changes.
    case artifact
    /// The Ready condition's `lastTransitionTime`: moves only when status, reason or message change.
    case condition

    /// Evidence that moves on every reconcile, so its age alone tells whether the object is stuck.
    public var isPeriodic: Bool { self == .history || self == .scan }
}

/// What the signals and the diagnosis read from one object, projected at watch time (fixed size
/// but for a few bounded strings, most of them only on the objects that have them).
public struct SignalInputs: Sendable, Equatable {
    // Fixed-size fields inline, the wider ones first so the five 1-byte ones share a word (25
    // bytes); see `Rare`. Seconds are kept in 32 bits (`Seconds32`): times from 1970 to 2106,
    // intervals up to 136 years.
    /// `spec.interval` (else the `fluxcd.controlplane.io/reconcileEvery` annotation) in whole seconds; 0 when absent or invalid.
    public var interval: Int64 {
        get { intervalSeconds.value }
        set { intervalSeconds = Seconds32(newValue) }
    }
    /// The latest reconcile evidence and which one it was.
    public var lastReconcile: Int64 {
        get { lastReconcileSeconds.value }
        set { lastReconcileSeconds = Seconds32(newValue) }
    }
    /// `metadata.creationTimestamp`.
    public var created: Int64 {
        get { createdSeconds.value }
        set { createdSeconds = Seconds32(newValue) }
    }
    /// What few objects carry (drift time, suspension annotations, `dependsOn`, a source in another
    /// namespace, an applied revision other than the attempted one, a HelmRelease's last releases),
    /// boxed so the projection of every other object stays one pointer larger, not a hundred bytes.
    private var rare: Rare?
    private var intervalSeconds = Seconds32(0)
    private var lastReconcileSeconds = Seconds32(0)
    private var createdSeconds = Seconds32(0)
    public var evidence: ReconcileEvidence = .none
    /// Some evidence that moves on every reconcile exists (`ReconcileEvidence.isPeriodic`), so the
    /// age of `lastReconcile` alone tells whether the object is stuck.
    public var periodic = false
    /// `status.observedGeneration` < `metadata.generation`: a spec change not reconciled yet.
    public var generationPending = false
    /// HelmRelease `Drifted` condition True.
    public var drifted = false
    /// The source reference's kind (`DependencyEdges.sourceKinds`, index + 1) when the reference is
    /// `sourceName` in the object's namespace; 0 when there is none or `Rare.edges` spells it out.
    public var sourceKind: UInt8 = 0

    private final class Rare: Sendable {
        let driftedSince: Int64
        let suspendedBy: String
        let suspendReason: String
        let suspendedAt: Int64
        /// `DependencyEdges` lines: `dependsOn`, then a source reference `sourceKind` cannot say.
        let edges: String
        /// The last applied revision when it is not `FluxObject.revision` (the last attempted); nil when it is.
        let appliedRevision: String?
        /// A HelmRelease's newest releases (`HelmReleaseSnapshot.newest`); empty for other kinds.
        let releases: [HelmReleaseSnapshot]

        init(driftedSince: Int64, suspendedBy: String, suspendReason: String, suspendedAt: Int64, edges: String, appliedRevision: String?,
             releases: [HelmReleaseSnapshot]) {
            self.driftedSince = driftedSince
            self.suspendedBy = suspendedBy
            self.suspendReason = suspendReason
            self.suspendedAt = suspendedAt
            self.edges = edges
            self.appliedRevision = appliedRevision
            self.releases = releases
        }

        var isEmpty: Bool {
            driftedSince == 0 && suspendedBy.isEmpty && suspendReason.isEmpty && suspendedAt == 0 && edges.isEmpty && appliedRevision == nil && releases.isEmpty
        }
    }

    /// Heap bytes of the box and its release array beyond the strings they hold (counted by
    /// `FluxObject.estimatedHeapBytes`): 104 bytes of object, 112 with malloc's header and rounding.
    public var boxBytes: Int { rare.map { 112 + HelmReleaseSnapshot.arrayBytes($0.releases.count) } ?? 0 }
    /// The strings the box holds (for `FluxObject.estimatedHeapBytes`).
    var boxedStrings: [String] {
        rare.map { [$0.suspendedBy, $0.suspendReason, $0.edges, $0.appliedRevision ?? ""] + $0.releases.map(\.chartVersion) } ?? []
    }
    /// The `Drifted` condition's `lastTransitionTime`.
    public var driftedSince: Int64 { rare?.driftedSince ?? 0 }
    /// From the suspension annotations (`SignalAnnotations`); empty when absent.
    public var suspendedBy: String { rare?.suspendedBy ?? "" }
    public var suspendReason: String { rare?.suspendReason ?? "" }
    public var suspendedAt: Int64 { rare?.suspendedAt ?? 0 }
    /// `DependencyEdges` lines (read through `FluxObject.dependencies`).
    var edges: String { rare?.edges ?? "" }
    /// Kustomization `status.lastAppliedRevision`, HelmRelease the chart version of its newest
    /// deployed release; nil when it is the last attempted revision (`FluxObject.revision`).
    public var appliedRevision: String? { rare?.appliedRevision }
    /// A HelmRelease's newest releases from `status.history`, newest first; empty for other kinds.
    public var releases: [HelmReleaseSnapshot] { rare?.releases ?? [] }

    public static func == (a: SignalInputs, b: SignalInputs) -> Bool {
        a.interval == b.interval && a.lastReconcile == b.lastReconcile && a.evidence == b.evidence && a.periodic == b.periodic
            && a.created == b.created && a.generationPending == b.generationPending
            && a.drifted == b.drifted && a.driftedSince == b.driftedSince && a.suspendedBy == b.suspendedBy
            && a.suspendReason == b.suspendReason && a.suspendedAt == b.suspendedAt && a.sourceKind == b.sourceKind
            && a.edges == b.edges && a.appliedRevision == b.appliedRevision && a.releases == b.releases
    }

    /// The one kind whose `status.history` lists Helm releases.
    static let helmRelease = "HelmRelease"
    /// Dependencies kept per object (`dependsOn` entries and the source).
    public static let maxDependencies = 32
    /// Intervals are clamped to ten years: a larger one is a typo, and k × interval must not overflow.
    public static let maxInterval: Int64 = 10 * 365 * 86400

    public init() {}

    /// Reads an object of `kind`, whose table entry is `entry`; `sourceName` and `revision` are the projection's.
    init<JSON: JSONReadable>(json: JSON, entry: FluxKindInfo, kind: String, ready: ReadyStatus, reason: String, readyCondition: Condition?,
                             sourceName: String, revision: String) {
        let metadata = json["metadata"]
        let spec = json["spec"]
        let status = json["status"]
        let annotations = metadata["annotations"]
        interval = Self.intervalSeconds(spec["interval"].string ?? annotations[ReportAnnotations.reconcileEvery].string)

        func consider(_ time: Int64?, _ evidence: ReconcileEvidence) {
            guard let time else { return }
            if evidence.isPeriodic { periodic = true }
            guard time >= lastReconcile else { return }
            lastReconcile = time
            self.evidence = evidence
        }
        // Weakest first: on a tie the later, more exact evidence names the series.
        consider(readyCondition.flatMap { Timestamp.parseRFC3339($0.lastTransitionTime) }, .condition)
        consider(status[path: "artifact", "lastUpdateTime"].string.flatMap(Timestamp.parseRFC3339), .artifact)
        consider(status["lastHandledReconcileAt"].string.flatMap(Timestamp.parseRFC3339), .request)
        consider(status[path: "lastScanResult", "scanTime"].string.flatMap(Timestamp.parseRFC3339), .scan)
        var deployedChart: String?
        let history = status["history"]
        if let history = history.elements {
            // At most a handful of snapshots in practice; a hostile list is read only so far.
            for entry in history.prefix(16) {
                consider(entry["lastReconciled"].string.flatMap(Timestamp.parseRFC3339), .history)
                if deployedChart == nil, entry["status"].string == "deployed" { deployedChart = entry["chartVersion"].string }
            }
        }
        created = metadata["creationTimestamp"].string.flatMap(Timestamp.parseRFC3339) ?? 0
        if let generation = metadata["generation"].int, let observed = status["observedGeneration"].int {
            generationPending = observed < generation
        }
        var driftedSince: Int64 = 0
        if let type = entry.driftCondition, let drift = json.condition(type), drift.status == "True" {
            drifted = true
            driftedSince = Timestamp.parseRFC3339(drift.lastTransitionTime) ?? 0
        }
        let by = annotations[SignalAnnotations.suspendedBy].string.flatMap { $0.isEmpty ? nil : $0 }
            ?? annotations[SignalAnnotations.weaveSuspendedBy].string ?? ""
        let suspendedBy = FluxObject.bounded(by, to: 256)
        let suspendReason = FluxObject.bounded(annotations[SignalAnnotations.suspendedReason].string ?? "", to: 256)
        let suspendedAt = annotations[SignalAnnotations.suspendedAt].string.flatMap(Timestamp.parseRFC3339) ?? 0

        // Every object keeps its edges, whatever its state: the graph of a healthy chain is whole.
        let namespace = metadata["namespace"].string ?? ""
        var lines: [String] = []
        var count = 0
        for dependency in (spec["dependsOn"].elements.map { Array($0.prefix(Self.maxDependencies)) } ?? []) {
            guard let name = dependency["name"].string, !name.isEmpty else { continue }
            let ns = dependency["namespace"].string.flatMap { $0.isEmpty ? nil : $0 } ?? namespace
            let dependencyKind = dependency["kind"].string.flatMap { $0.isEmpty ? nil : $0 } ?? kind
            let key = ObjectKey(kind: FluxObject.bounded(dependencyKind), namespace: FluxObject.bounded(ns), name: FluxObject.bounded(name))
            guard let line = DependencyEdges.line(key, from: kind, in: namespace) else { continue }
            lines.append(line)
            count += 1
        }
        let ref = entry.sourceRef.lazy.compactMap { $0.resolve(in: json) }.first { !$0.isNull }
        if let ref, let name = ref["name"].string, !name.isEmpty, count < Self.maxDependencies,
           let refKind = ref["kind"].string.flatMap({ $0.isEmpty ? nil : $0 }) ?? DependencyEdges.impliedSourceKind[kind] {
            let ns = ref["namespace"].string.flatMap { $0.isEmpty ? nil : $0 } ?? namespace
            let number = DependencyEdges.sourceKindNumber(refKind)
            if number > 0, ns == namespace, name == sourceName {
                sourceKind = number
            } else if let line = DependencyEdges.line(ObjectKey(kind: FluxObject.bounded(refKind), namespace: FluxObject.bounded(ns),
                                                                 name: FluxObject.bounded(name)), from: kind, in: namespace) {
                lines.append(line)
            }
        }
        // Only where the revision is the last attempted one (Kustomization, HelmRelease).
        let applied = status["lastAttemptedRevision"].string == nil ? nil : status["lastAppliedRevision"].string ?? deployedChart
        let appliedRevision = applied.map { FluxObject.bounded($0) }.flatMap { $0 == revision ? nil : $0 }
        let rare = Rare(driftedSince: driftedSince, suspendedBy: suspendedBy, suspendReason: suspendReason,
                        suspendedAt: suspendedAt, edges: lines.joined(separator: "\n"), appliedRevision: appliedRevision,
                        releases: kind == Self.helmRelease ? HelmReleaseSnapshot.newest(history) : [])
        self.rare = rare.isEmpty ? nil : rare
    }

    /// A Go duration in whole seconds, clamped to `1...maxInterval`; 0 for absent, invalid, zero or negative.
    public static func intervalSeconds(_ text: String?) -> Int64 {
        guard let text, let nanos = try? GoDuration.parseNanoseconds(text), nanos > 0 else { return 0 }
        return min(max(1, nanos / 1_000_000_000), maxInterval)
    }
}
