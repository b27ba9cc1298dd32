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

/// What the signals read from one object, projected at watch time (fixed size but for a few
/// bounded strings; `dependencies` only for objects waiting on a dependency).
public struct SignalInputs: Sendable, Equatable {
    // Fixed-size fields inline, the 8-byte ones first so the four 1-byte ones share one word
    // (36 bytes, against 48 with the flags between the words); see `Rare`.
    /// `spec.interval` (else the `fluxcd.controlplane.io/reconcileEvery` annotation) in whole seconds; 0 when absent or invalid.
    public var interval: Int64 = 0
    /// The latest reconcile evidence and which one it was.
    public var lastReconcile: Int64 = 0
    /// `metadata.creationTimestamp`.
    public var created: Int64 = 0
    /// What few objects carry (drift time, suspension annotations, dependencies), boxed so the
    /// projection of every other object stays one pointer larger, not a hundred bytes.
    private var rare: Rare?
    public var evidence: ReconcileEvidence = .none
    /// Some evidence that moves on every reconcile exists (`ReconcileEvidence.isPeriodic`), so the
    /// age of `lastReconcile` alone tells whether the object is stuck.
    public var periodic = false
    /// `status.observedGeneration` < `metadata.generation`: a spec change not reconciled yet.
    public var generationPending = false
    /// HelmRelease `Drifted` condition True.
    public var drifted = false

    private final class Rare: Sendable {
        let driftedSince: Int64
        let suspendedBy: String
        let suspendReason: String
        let suspendedAt: Int64
        let dependencies: [String]

        init(driftedSince: Int64, suspendedBy: String, suspendReason: String, suspendedAt: Int64, dependencies: [String]) {
            self.driftedSince = driftedSince
            self.suspendedBy = suspendedBy
            self.suspendReason = suspendReason
            self.suspendedAt = suspendedAt
            self.dependencies = dependencies
        }

        var isEmpty: Bool { driftedSince == 0 && suspendedBy.isEmpty && suspendReason.isEmpty && suspendedAt == 0 && dependencies.isEmpty }
    }

    /// Heap bytes of the box beyond the strings it holds (counted by `FluxObject.estimatedHeapBytes`).
    public var boxBytes: Int { rare == nil ? 0 : 96 }
    /// The `Drifted` condition's `lastTransitionTime`.
    public var driftedSince: Int64 { rare?.driftedSince ?? 0 }
    /// From the suspension annotations (`SignalAnnotations`); empty when absent.
    public var suspendedBy: String { rare?.suspendedBy ?? "" }
    public var suspendReason: String { rare?.suspendReason ?? "" }
    public var suspendedAt: Int64 { rare?.suspendedAt ?? 0 }
    /// For an object Ready False with `DependencyNotReady`: `Kind/namespace/name` of its `spec.dependsOn`
    /// entries (same kind) and its source, at most `maxDependencies`.
    public var dependencies: [String] { rare?.dependencies ?? [] }

    public static func == (a: SignalInputs, b: SignalInputs) -> Bool {
        a.interval == b.interval && a.lastReconcile == b.lastReconcile && a.evidence == b.evidence && a.periodic == b.periodic
            && a.created == b.created && a.generationPending == b.generationPending
            && a.drifted == b.drifted && a.driftedSince == b.driftedSince && a.suspendedBy == b.suspendedBy
            && a.suspendReason == b.suspendReason && a.suspendedAt == b.suspendedAt && a.dependencies == b.dependencies
    }

    public static let maxDependencies = 32
    /// Intervals are clamped to ten years: a larger one is a typo, and k × interval must not overflow.
    public static let maxInterval: Int64 = 10 * 365 * 86400

    public init() {}

    /// Reads an object of `kind`, whose table entry is `entry`.
    init<JSON: JSONReadable>(json: JSON, entry: FluxKindInfo, kind: String, ready: ReadyStatus, reason: String, readyCondition: Condition?) {
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
        if let history = status["history"].elements {
            // At most a handful of snapshots in practice; a hostile list is read only so far.
            for entry in history.prefix(16) { consider(entry["lastReconciled"].string.flatMap(Timestamp.parseRFC3339), .history) }
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
        var dependencies: [String] = []

        if ready == .false, reason == DependencyRoots.dependencyNotReady {
            let namespace = metadata["namespace"].string ?? ""
            var keys: [String] = []
            for entry in (spec["dependsOn"].elements.map { Array($0.prefix(Self.maxDependencies)) } ?? []) {
                guard let name = entry["name"].string, !name.isEmpty else { continue }
                let ns = entry["namespace"].string.flatMap { $0.isEmpty ? nil : $0 } ?? namespace
                keys.append(DependencyRoots.key(kind: kind, namespace: ns, name: name))
            }
            let ref = entry.sourceRef.lazy.compactMap { $0.resolve(in: json) }.first { !$0.isNull }
            if let ref, let refKind = ref["kind"].string, let name = ref["name"].string, !refKind.isEmpty, !name.isEmpty,
               keys.count < Self.maxDependencies {
                let ns = ref["namespace"].string.flatMap { $0.isEmpty ? nil : $0 } ?? namespace
                keys.append(DependencyRoots.key(kind: refKind, namespace: ns, name: name))
            }
            dependencies = keys.map { FluxObject.bounded($0) }
        }
        let rare = Rare(driftedSince: driftedSince, suspendedBy: suspendedBy, suspendReason: suspendReason,
                        suspendedAt: suspendedAt, dependencies: dependencies)
        self.rare = rare.isEmpty ? nil : rare
    }

    /// A Go duration in whole seconds, clamped to `1...maxInterval`; 0 for absent, invalid, zero or negative.
    public static func intervalSeconds(_ text: String?) -> Int64 {
        guard let text, let nanos = try? GoDuration.parseNanoseconds(text), nanos > 0 else { return 0 }
        return min(max(1, nanos / 1_000_000_000), maxInterval)
    }
}
