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

    public init<JSON: JSONReadable>(json: JSON, kind: String, ready: ReadyStatus, reason: String, readyCondition: Condition?) {
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
        if kind == "HelmRelease", let drift = json.condition("Drifted"), drift.status == "True" {
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
            let ref: JSON
            switch kind {
            case "HelmRelease": ref = spec[path: "chart", "spec", "sourceRef"].isNull ? spec["chartRef"] : spec[path: "chart", "spec", "sourceRef"]
            default: ref = spec["sourceRef"]
            }
            if let refKind = ref["kind"].string, let name = ref["name"].string, !refKind.isEmpty, !name.isEmpty,
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

/// Annotations the suspension signal reads.
public enum SignalAnnotations {
    /// Written by the Flux Operator's web UI when a user suspends an object.
    public static let suspendedBy = "fluxcd.controlplane.io/suspendedBy"
    /// Weave GitOps' equivalent.
    public static let weaveSuspendedBy = "metadata.weave.works/suspended-by"
    /// Why, free text (this operator's convention, documented in docs/monitoring.md).
    public static let suspendedReason = "fluxcd.controlplane.io/suspendedReason"
    /// When, RFC 3339 (this operator's convention); else the time the operator first saw the suspension.
    public static let suspendedAt = "fluxcd.controlplane.io/suspendedAt"
}

/// What the operator itself observed of an object over time (not in the object): the first time
/// it saw the current suspension and the current failure, Ready flips, the last failure reason.
///
/// The default value is a healthy object (last definite Ready True, nothing else), so a table
/// of these keeps entries only for objects that differ from it (`isDefault`).
public struct SignalHistory: Sendable, Equatable {
    public var suspendedSince: Int64 = 0
    public var failingSince: Int64 = 0
    /// Ready True ↔ False changes seen (Unknown in between, as during a normal reconcile, is not one).
    public var transitions: UInt32 = 0
    /// The last Ready status seen that was True or False (Unknown until one was seen).
    public var lastDefinite: ReadyStatus = .true
    public var lastFailureReason = ""

    public init() {}

    /// Folds in a version of the object observed at `now`; `first` when the object was just seen
    /// for the first time (an ADDED event: its Ready is where it starts, not a flip). Pure.
    public mutating func observe(_ object: FluxObject, now: Int64, first: Bool) {
        if first { lastDefinite = object.ready }
        if object.suspended {
            if suspendedSince == 0 { suspendedSince = now }
        } else {
            suspendedSince = 0
        }
        switch object.ready {
        case .false:
            // The condition's time is the better evidence when the failure began before we looked.
            if failingSince == 0 { failingSince = object.readySince > 0 ? min(object.readySince, now) : now }
            lastFailureReason = object.reason
        case .true:
            failingSince = 0
        case .unknown:
            break
        }
        if object.ready != .unknown {
            if lastDefinite != .unknown, lastDefinite != object.ready, transitions < UInt32.max { transitions += 1 }
            lastDefinite = object.ready
        }
    }

    public var isDefault: Bool { self == SignalHistory() }
}

/// The one per-object state a signal series shows, first that applies in this order.
public enum SignalState: String, Sendable, Equatable, CaseIterable {
    case suspended, failing, blocked, stale, drifted
}

/// An object's signals at one moment.
public struct ObjectSignals: Sendable, Equatable {
    public var state: SignalState?
    /// When `state` began (seconds since the epoch): suspended/failing/drifted since, or for stale the last progress seen.
    public var since: Int64 = 0
    public var stale = false
    public var suspendedBy = ""
    /// Suspension reason, or the failure reason.
    public var reason = ""
    /// `annotation` or `observed` for a suspension.
    public var sinceSource = ""
    /// For `blocked`: the root causes found (`Kind/namespace/name`).
    public var roots: [String] = []
}

/// Computes the signals: pure functions of the object, what the operator observed, the clock and the settings.
public enum Signals {
    /// The default `--stale-interval-factor`.
    public static let defaultStaleFactor: Int64 = 3

    /// True when nothing shows progress for `factor` × the object's interval (docs/monitoring.md, Staleness):
    /// periodic evidence older than that; or, for evidence that moves only on change, Ready Unknown
    /// (in progress, or never reconciled since creation) or a spec change not picked up, for that long.
    /// Inlinable (as `staleDeadline`): a scrape asks for every object, and inlined the check reads a
    /// few fields of a cached projection instead of copying it.
    @inlinable
    public static func isStale(_ object: FluxObject, now: Int64, factor: Int64) -> Bool {
        staleDeadline(object, factor: factor).map { now > $0 } ?? false
    }

    /// The instant after which the object is stale (`isStale` ⇔ `now > deadline`), or nil when it
    /// cannot turn stale with its current state. Exact: `now - t > budget` with `t > 0` is
    /// `now > t + budget`, and when `t + budget` overflows no `now` is that late.
    @inlinable
    public static func staleDeadline(_ object: FluxObject, factor: Int64) -> Int64? {
        let s = object.signals
        guard !object.suspended, s.interval > 0, factor > 0 else { return nil }
        let (budget, overflow) = s.interval.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        func after(_ time: Int64) -> Int64? {
            guard time > 0 else { return nil }
            let (deadline, o) = time.addingReportingOverflow(budget)
            return o ? nil : deadline
        }
        if s.periodic { return after(s.lastReconcile) }
        if object.ready == .unknown && !object.alwaysReady { return after(object.readySince > 0 ? object.readySince : s.created) }
        if s.generationPending { return after(max(s.lastReconcile, s.created)) }
        return nil
    }

    /// How a stale object is named in the `ReconcilersStale` message: `Kind namespace/name`.
    public static func staleExample(kind: String, namespace: String, name: String) -> String {
        "\(kind) \(namespace)/\(name)"
    }

    /// The object's signals; `roots` are its dependency roots when it is blocked (see `DependencyRoots`).
    public static func evaluate(_ object: FluxObject, history: SignalHistory?, now: Int64, factor: Int64,
                                roots: [String] = []) -> ObjectSignals {
        var out = ObjectSignals()
        out.stale = isStale(object, now: now, factor: factor)
        let s = object.signals
        if object.suspended {
            out.state = .suspended
            out.suspendedBy = s.suspendedBy
            out.reason = s.suspendReason
            if s.suspendedAt > 0 {
                out.since = s.suspendedAt
                out.sinceSource = "annotation"
            } else {
                out.since = history?.suspendedSince ?? 0
                out.sinceSource = "observed"
            }
        } else if object.isFailing {
            out.state = .failing
            out.reason = object.reason
            out.since = history.map { $0.failingSince > 0 ? $0.failingSince : object.readySince } ?? object.readySince
        } else if object.ready == .false && object.reason == DependencyRoots.dependencyNotReady {
            out.state = .blocked
            out.since = object.readySince
            out.roots = roots
        } else if out.stale {
            out.state = .stale
            out.since = s.lastReconcile > 0 ? s.lastReconcile : max(object.readySince, s.created)
        } else if s.drifted {
            out.state = .drifted
            out.since = s.driftedSince
        }
        return out
    }
}

/// Root causes of `DependencyNotReady`: follows `spec.dependsOn` and source references from a
/// blocked object to the objects that are themselves the problem — failing, suspended and not
/// Ready, or missing. Blocked objects on the way are followed further; cycles and long chains end
/// (each node is visited once, at most `maxVisits` per object).
public struct DependencyRoots {
    public static let dependencyNotReady = "DependencyNotReady"
    public static let maxVisits = 1000

    public static func key(kind: String, namespace: String, name: String) -> String { "\(kind)/\(namespace)/\(name)" }

    /// Looks an object up by `key(kind:namespace:name:)`.
    private let lookup: (String) -> FluxObject?
    private var memo: [String: [String]] = [:]

    public init(lookup: @escaping (String) -> FluxObject?) { self.lookup = lookup }

    /// The roots of a blocked object, sorted; empty when none is found (the dependencies are Ready
    /// again, or only blocked objects in a cycle).
    public mutating func roots(of object: FluxObject) -> [String] {
        let start = Self.key(kind: object.kind, namespace: object.namespace, name: object.name)
        if let known = memo[start] { return known }
        var roots: Set<String> = []
        var visited: Set<String> = [start]
        var queue = object.signals.dependencies
        var head = 0
        while head < queue.count, visited.count < Self.maxVisits {
            let key = queue[head]
            head += 1
            guard visited.insert(key).inserted else { continue }
            if let known = memo[key] {
                roots.formUnion(known)
                continue
            }
            guard let dependency = lookup(key) else {
                roots.insert(key)  // missing: the dependant waits for something that does not exist
                continue
            }
            if dependency.isFailing || (dependency.suspended && dependency.metricReady != .true) {
                roots.insert(key)
            } else if dependency.ready == .false && dependency.reason == Self.dependencyNotReady {
                queue += dependency.signals.dependencies
            }
        }
        let sorted = roots.sorted()
        memo[start] = sorted
        return sorted
    }
}

/// Counts of the signals over all objects, for the report's `Signals` condition and the per-kind series.
public struct SignalSummary: Sendable, Equatable {
    public var objects = 0
    public var stale = 0
    public var suspended = 0
    public var drifted = 0
    public var failing = 0
    /// The first few stale objects (`Kind namespace/name`), sorted, for the condition's message.
    public var staleExamples: [String] = []
    public static let maxExamples = 5

    public init() {}

    public init(objects: some Sequence<FluxObject>, now: Int64, factor: Int64) {
        var examples: [String] = []
        for object in objects {
            self.objects += 1
            if object.suspended { suspended += 1 }
            if object.isFailing { failing += 1 }
            if object.signals.drifted { drifted += 1 }
            if Signals.isStale(object, now: now, factor: factor) {
                stale += 1
                examples.append(Signals.staleExample(kind: object.kind, namespace: object.namespace, name: object.name))
            }
        }
        staleExamples = Array(examples.sorted().prefix(Self.maxExamples))
    }

    /// Adds another set of counts (another kind).
    public mutating func add(_ other: SignalSummary) {
        objects += other.objects
        stale += other.stale
        suspended += other.suspended
        drifted += other.drifted
        failing += other.failing
        staleExamples = Array((staleExamples + other.staleExamples).sorted().prefix(Self.maxExamples))
    }
}
