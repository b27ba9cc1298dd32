import ControllerRuntime
import FluxReport
import Foundation
import KubeCore

/// Settings of the signals (docs/monitoring.md, Signals).
public struct SignalSettings: Sendable, Hashable {
    /// An object is stale when nothing shows progress for this many times its interval.
    public var staleFactor: Int64 = Signals.defaultStaleFactor
    /// Also export `flux_resource_ready_transitions` per object (one more series per object).
    public var perObjectTransitions = false

    public init(staleFactor: Int64 = Signals.defaultStaleFactor, perObjectTransitions: Bool = false) {
        self.staleFactor = staleFactor
        self.perObjectTransitions = perObjectTransitions
    }
}

/// The operator's own observations of each object over time (`SignalHistory`), fed by informer
/// events. Only objects that differ from a healthy one have an entry, and a deleted object's goes
/// with it, so the table is bounded by the live objects and empty for a healthy fleet.
final class SignalTracker: Sendable {
    private struct State {
        var entries: [Key: SignalHistory] = [:]
        /// Ready True ↔ False changes per kind since the process started (a counter: never decreases).
        var transitionsByKind: [String: UInt64] = [:]
    }
    private let state = LockedState(State())
    /// Seconds since the Unix epoch; injectable so tests control time.
    let now: @Sendable () -> Int64

    init(now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) { self.now = now }

    /// An entry's key: the object's uid in its compact form (a lookup allocates nothing, and a scrape
    /// looks up every object with a state), else kind/namespace/name for an object without a uid.
    struct Key: Hashable, Sendable {
        let uid: ObjectUID
        let path: String

        init(uid: String) {
            self.uid = ObjectUID(uid)
            path = ""
        }

        init(_ object: FluxObject) {
            uid = object.objectUID
            path = uid.isEmpty ? DependencyRoots.key(kind: object.kind, namespace: object.namespace, name: object.name) : ""
        }
    }

    static func key(_ object: FluxObject) -> Key { Key(object) }

    /// `key(_:)` read through the box.
    static func key(_ cached: CachedFluxObject) -> Key { Key(cached.object) }

    func objectEvent(_ event: InformerEvent<FluxObject>) {
        let time = now()
        switch event {
        case .deleted(let object):
            state.withLock { _ = $0.entries.removeValue(forKey: Self.key(object)) }
        case .added(let object):
            observe(object, first: true, now: time)
        case .updated(_, let object):
            observe(object, first: false, now: time)
        }
    }

    private func observe(_ object: FluxObject, first: Bool, now: Int64) {
        let key = Self.key(object)
        state.withLock { state in
            var history = state.entries[key] ?? SignalHistory()
            let before = history.transitions
            history.observe(object, now: now, first: first)
            if history.transitions != before {
                state.transitionsByKind[object.kind, default: 0] &+= UInt64(history.transitions - before)
            }
            if history.isDefault {
                state.entries.removeValue(forKey: key)
            } else {
                state.entries[key] = history
            }
        }
    }

    /// A copy of the table (copy-on-write: cheap while no event mutates it meanwhile).
    var snapshot: (entries: [Key: SignalHistory], transitionsByKind: [String: UInt64]) {
        state.withLock { ($0.entries, $0.transitionsByKind) }
    }
}

/// Renders the signal series at scrape time from the caches and the tracker (leader only, like
/// the other Flux object series). Per object by default: `flux_resource_last_reconcile_timestamp_seconds`
/// and at most one state series; the rest are per kind or per namespace.
final class SignalsCollector: MetricsCollector, Sendable {
    private let cache: ClusterCache
    private let tracker: SignalTracker
    private let settings: SignalSettings
    private let isLeader: @Sendable () -> Bool
    /// `flux_resource_last_reconcile_timestamp_seconds` (one series per object, from the object
    /// alone), kept compressed per bucket of objects. The state families depend on time (stale), the
    /// tracker's history and other objects (blocked roots): rendered at each scrape; they hold only
    /// the objects with a state.
    private let series: ObjectSeriesCache

    init(cache: ClusterCache, tracker: SignalTracker, settings: SignalSettings, isLeader: @escaping @Sendable () -> Bool) {
        self.cache = cache
        self.series = ObjectSeriesCache(cache: cache)
        self.tracker = tracker
        self.settings = settings
        self.isLeader = isLeader
    }

    func collect(into buffer: inout [UInt8]) {
        for chunk in chunks() { chunk(&buffer) }
    }

    static let families: [(name: String, help: String)] = [
        ("flux_resource_suspended_since_timestamp_seconds", "Suspended Flux object: when it was suspended (annotation, else first observed)."),
        ("flux_resource_failing_since_timestamp_seconds", "Failing Flux object (Ready False, not DependencyNotReady): since when."),
        ("flux_resource_blocked_since_timestamp_seconds", "Flux object waiting on a failing dependency (DependencyNotReady), with its root cause."),
        ("flux_resource_stale_since_timestamp_seconds", "Flux object with no progress for the stale factor times its interval: its last progress."),
        ("flux_resource_drifted_since_timestamp_seconds", "HelmRelease whose Drifted condition is True: since when."),
    ]

    func chunks() -> [MetricsChunk] { pieces().map(\.text) }

    func pieces() -> [MetricsPiece] {
        guard isLeader() else {
            series.clear()
            return []
        }
        let kinds = cache.kinds.compactMap { entry in entry.informer.map { (kind: entry.crd.kind, informer: $0) } }
        let snapshots = series.snapshot(kinds)
        let (history, transitionsByKind) = tracker.snapshot
        let now = tracker.now()
        let settings = self.settings
        var informerByKind: [String: Informer<CachedFluxObject>] = [:]
        for entry in kinds where informerByKind[entry.kind] == nil { informerByKind[entry.kind] = entry.informer }
        var resolver = DependencyRoots { key in
            // Kind/namespace/name → the kind's store, keyed namespace/name.
            guard let slash = key.firstIndex(of: "/") else { return nil }
            return informerByKind[String(key[..<slash])]?.store.get(String(key[key.index(after: slash)...]))?.object
        }

        // One pass: the few objects with a state (by state), the per-kind and per-namespace counts.
        // The box, not a copy of the projection: a scrape holds one pointer per object with a state.
        var states = [[(cached: CachedFluxObject, signals: ObjectSignals)]](repeating: [], count: SignalState.allCases.count)
        var staleByKind: [String: Int] = [:]
        var driftedByNamespace: [String: Int] = [:]
        for snapshot in snapshots {
            staleByKind[snapshot.kind] = 0
            for cached in snapshot.objects {
                // Most objects have no state: decided from a few fields, without copying the
                // projection or looking its history up (a scrape visits every object).
                let screen = Self.screen(cached, now: now, factor: settings.staleFactor)
                if screen.stale { staleByKind[snapshot.kind, default: 0] += 1 }
                if screen.drifted { driftedByNamespace[cached.object.namespace, default: 0] += 1 }
                guard screen.mayHaveState else { continue }
                let entry = history.isEmpty ? nil : history[SignalTracker.key(cached)]
                let blocked = cached.object.ready == .false && cached.object.reason == DependencyRoots.dependencyNotReady && !cached.object.suspended
                let roots = blocked ? resolver.roots(of: cached.object) : []
                let signals = Signals.evaluate(cached.object, history: entry, now: now, factor: settings.staleFactor, roots: roots)
                if let state = signals.state, let index = SignalState.allCases.firstIndex(of: state) { states[index].append((cached, signals)) }
            }
        }

        var chunks: [MetricsPiece] = []
        chunks.append(.text { MetricsText.header("flux_resource_last_reconcile_timestamp_seconds",
                                                 help: "Last observed reconcile of a Flux object, from the evidence named by the evidence label.",
                                                 type: "gauge", into: &$0) })
        for snapshot in snapshots {
            chunks += series.pieces(section: 0, snapshot) { cached, buffer, _ in
                guard cached.object.signals.lastReconcile > 0 else { return }
                Self.appendSeries("flux_resource_last_reconcile_timestamp_seconds", cached, label: "evidence",
                                  cached.object.signals.evidence.rawValue, value: cached.object.signals.lastReconcile, into: &buffer)
            }
        }
        // One header per family, then its series in slices: no chunk grows beyond a slice's worth.
        for (index, state) in SignalState.allCases.enumerated() {
            let family = Self.families[index]
            let members = states[index]
            chunks.append(.text { MetricsText.header(family.name, help: family.help, type: "gauge", into: &$0) })
            var start = 0
            while start < members.count {
                let slice = members[start..<min(start + FluxMetricsCollector.objectsPerChunk, members.count)]
                chunks.append(.text { buffer in
                    for (cached, signals) in slice {
                        Self.appendSeries(family.name, cached, extra: Self.labels(state, signals), value: signals.since, into: &buffer)
                    }
                })
                start += FluxMetricsCollector.objectsPerChunk
            }
        }
        let stale = staleByKind
        let drifted = driftedByNamespace
        chunks.append(.text { buffer in
            MetricsText.header("flux_resource_stale", help: "Flux objects of a kind that are stale.", type: "gauge", into: &buffer)
            for (kind, count) in stale.sorted(by: { $0.key < $1.key }) {
                MetricsText.sample("flux_resource_stale", labels: [("kind", kind)], value: Double(count), into: &buffer)
            }
            MetricsText.header("flux_resource_drifted", help: "HelmReleases whose Drifted condition is True, per namespace.",
                               type: "gauge", into: &buffer)
            for (namespace, count) in drifted.sorted(by: { $0.key < $1.key }) {
                MetricsText.sample("flux_resource_drifted", labels: [("exported_namespace", namespace)], value: Double(count), into: &buffer)
            }
            MetricsText.header("flux_resource_ready_transitions_total",
                               help: "Ready True/False changes of a kind's objects observed since the operator started.",
                               type: "counter", into: &buffer)
            // 0 for every watched kind from the start (as flux_resource_stale): rate() and increase() see the first flip.
            for (kind, count) in stale.mapValues({ _ in UInt64(0) }).merging(transitionsByKind, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
                MetricsText.sample("flux_resource_ready_transitions_total", labels: [("kind", kind)], value: Double(count), into: &buffer)
            }
        })
        if settings.perObjectTransitions {
            chunks.append(.text { buffer in
                MetricsText.header("flux_resource_ready_transitions",
                                   help: "Ready True/False changes of a Flux object observed since the operator started (objects with at least one).",
                                   type: "gauge", into: &buffer)
                for snapshot in snapshots {
                    for cached in snapshot.objects {
                        guard let entry = history[SignalTracker.key(cached)], entry.transitions > 0 else { continue }
                        Self.appendSeries("flux_resource_ready_transitions", cached,
                                          extra: [("last_failure_reason", entry.lastFailureReason)],
                                          value: Int64(entry.transitions), into: &buffer)
                    }
                }
            })
        }
        return chunks
    }

    /// Whether the object is stale and drifted, and whether `Signals.evaluate` can give it a state:
    /// suspended, Ready False (failing or blocked), stale or drifted — the conditions of its branches.
    static func screen(_ cached: CachedFluxObject, now: Int64, factor: Int64) -> (stale: Bool, drifted: Bool, mayHaveState: Bool) {
        let stale = Signals.isStale(cached.object, now: now, factor: factor)
        let drifted = cached.object.signals.drifted
        return (stale, drifted, stale || drifted || cached.object.suspended || cached.object.ready == .false)
    }

    static func labels(_ state: SignalState, _ signals: ObjectSignals) -> [(String, String)] {
        switch state {
        case .suspended: return [("suspended_by", signals.suspendedBy), ("reason", signals.reason), ("since_source", signals.sinceSource)]
        case .failing: return [("reason", signals.reason)]
        case .blocked:
            // The first root (sorted: stable) names the series; a count label would churn series.
            let root = signals.roots.first.map { $0.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false).map(String.init) } ?? []
            return [("root_kind", root.count == 3 ? root[0] : ""), ("root_namespace", root.count == 3 ? root[1] : ""),
                    ("root_name", root.count == 3 ? root[2] : "")]
        case .stale, .drifted: return []
        }
    }

    /// `<name>{kind="…",name="…",exported_namespace="…",<label>="…"} <value>` with no array per series
    /// (the every-object family).
    static func appendSeries(_ name: String, _ object: CachedFluxObject, label: String, _ text: String, value: Int64, into buffer: inout [UInt8]) {
        appendPrefix(name, object, into: &buffer)
        buffer.append(contentsOf: "\",".utf8)
        buffer.append(contentsOf: label.utf8)
        buffer.append(contentsOf: "=\"".utf8)
        MetricsText.appendEscapedLabel(text, into: &buffer)
        buffer.append(contentsOf: "\"} ".utf8)
        buffer.append(contentsOf: String(value).utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// `<name>{kind="…",name="…",exported_namespace="…",<extra>} <value>`.
    static func appendSeries(_ name: String, _ object: CachedFluxObject, extra: [(String, String)], value: Int64, into buffer: inout [UInt8]) {
        appendPrefix(name, object, into: &buffer)
        for (label, text) in extra {
            buffer.append(contentsOf: "\",\(label)=\"".utf8)
            MetricsText.appendEscapedLabel(text, into: &buffer)
        }
        buffer.append(contentsOf: "\"} \(value)\n".utf8)
    }

    /// `<name>{kind="…",name="…",exported_namespace="…` (the value still open).
    /// The box, not the projection: fields read through it, no copy of the whole object per series.
    private static func appendPrefix(_ name: String, _ cached: CachedFluxObject, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(contentsOf: "{kind=\"".utf8)
        MetricsText.appendEscapedLabel(cached.object.kind, into: &buffer)
        buffer.append(contentsOf: "\",name=\"".utf8)
        MetricsText.appendEscapedLabel(cached.object.name, into: &buffer)
        buffer.append(contentsOf: "\",exported_namespace=\"".utf8)
        MetricsText.appendEscapedLabel(cached.object.namespace, into: &buffer)
    }
}
