import ControllerRuntime
import FluxReport
import Foundation
import KubeCore

/// Renders the signal series at scrape time from the caches and the tracker (leader only, like
/// the other Flux object series). Per object by default: `flux_resource_last_reconcile_timestamp_seconds`
/// and at most one state series; the rest are per kind or per namespace.
final class SignalsCollector: MetricsCollector, Sendable {
    private let cache: ClusterCache
    private let tracker: SignalTracker
    private let settings: SignalSettings
    private let isLeader: @Sendable () -> Bool
    /// `flux_resource_last_reconcile_timestamp_seconds` (one series per object, from the object
    /// alone), kept compressed per bucket of objects (shared with the other collectors).
    private let series: ObjectSeriesCache
    /// The state families and the stale and drifted counts, per bucket of the same layout: they also
    /// depend on the tracker's history and the clock (`SignalStateCache`). `blocked` series are
    /// rendered at each scrape (their roots depend on other objects), from the kept member lists.
    private let states: SignalStateCache

    init(cache: ClusterCache, series: ObjectSeriesCache, tracker: SignalTracker, settings: SignalSettings,
         isLeader: @escaping @Sendable () -> Bool) {
        self.cache = cache
        self.series = series
        states = SignalStateCache(series: series)
        self.tracker = tracker
        self.settings = settings
        self.isLeader = isLeader
    }

    static let families: [(name: String, help: String)] = [
        ("flux_resource_suspended_since_timestamp_seconds", "Suspended Flux object: when it was suspended (annotation, else first observed)."),
        ("flux_resource_failing_since_timestamp_seconds", "Failing Flux object (Ready False, not DependencyNotReady): since when."),
        ("flux_resource_blocked_since_timestamp_seconds", "Flux object waiting on a failing dependency (DependencyNotReady), with its root cause."),
        ("flux_resource_stale_since_timestamp_seconds", "Flux object with no progress for the stale factor times its interval: its last progress."),
        ("flux_resource_drifted_since_timestamp_seconds", "HelmRelease whose Drifted condition is True: since when."),
    ]

    func pieces() -> [MetricsPiece] {
        guard isLeader() else {
            series.clear()
            return []
        }
        let kinds = cache.kindInformers
        // Versions first, then the history, then (lazily) the objects: whatever is read is at least
        // as new as the versions it is kept under (a version counts an event once the tracker has it).
        let snapshots = series.snapshot(kinds)
        let (history, transitionsByKind) = tracker.snapshot
        let now = tracker.now()
        let settings = self.settings
        var informerByKind: [String: Informer<CachedFluxObject>] = [:]
        for entry in kinds where informerByKind[entry.kind] == nil { informerByKind[entry.kind] = entry.informer }
        let scrape = Scrape(snapshots: snapshots, history: history, now: now, settings: settings, informerByKind: informerByKind)

        // Each bucket's signals: kept while they hold, else computed now (and kept, within the
        // budget: this scrape uses them either way).
        var current: [[SignalStateCache.Entry?]] = []
        for snapshot in snapshots {
            current.append((0..<snapshot.buckets).map { bucket in
                let key = SignalStateCache.key(kind: snapshot.key, bucket: bucket, buckets: snapshot.buckets)
                let version = snapshot.versions[bucket]
                if let entry = states.entry(key, snapshot, version: version, now: now) { return entry }
                // Not `scrape.fresh`, which would hold the text until the scrape ends: only a plain
                // scrape needs it (and computes it again).
                var signals = BucketSignals(objects: snapshot.objects(in: bucket), history: history, now: now, settings: settings)
                // zlib cannot start (out of memory): this scrape compresses the text as it goes.
                guard let segments = try? signals.texts.map({ text throws(Gzip.Failure) in try DeflateSegment.compress(text) }) else { return nil }
                signals.texts = []  // kept compressed only
                let entry = SignalStateCache.Entry(version: version, computedAt: now, signals: signals, segments: segments)
                states.keep(entry, for: key, snapshot)
                return entry
            })
        }
        let signals = current.enumerated().map { index, buckets in
            buckets.enumerated().map { bucket, entry in entry?.signals ?? scrape.fresh(index, bucket) }
        }

        var chunks: [MetricsPiece] = []
        chunks.append(.text { MetricsText.header("flux_resource_last_reconcile_timestamp_seconds",
                                                 help: "Last observed reconcile of a Flux object, from the evidence named by the evidence label.",
                                                 type: "gauge", into: &$0) })
        for snapshot in snapshots {
            chunks += series.pieces(section: .lastReconcile, snapshot) { cached, buffer, _ in
                guard cached.object.signals.lastReconcile > 0 else { return }
                Self.appendSeries("flux_resource_last_reconcile_timestamp_seconds", cached, label: "evidence",
                                  cached.object.signals.evidence.rawValue, value: cached.object.signals.lastReconcile, into: &buffer)
            }
        }
        // Every piece has the text computed from scratch (what a plain scrape sends) and, for a
        // gzip scrape, the kept bucket's segment: the two must agree (MetricsCacheModelTests).
        func bucketPieces(_ family: Int) -> [MetricsPiece] {
            snapshots.enumerated().map { index, snapshot in
                .each(count: snapshot.buckets) { [current] bucket in
                    let text: MetricsChunk = { $0 += scrape.freshText(index, bucket, family) }
                    guard let segment = current[index][bucket]?.segments[family] else { return .text(text) }
                    return .compressed(segment: { segment }, text: text)
                }
            }
        }
        for state in SignalState.allCases {
            let name = Self.familyName(state)
            let help = Self.families.first { $0.name == name }?.help ?? ""
            chunks.append(.text { MetricsText.header(name, help: help, type: "gauge", into: &$0) })
            if let family = BucketSignals.keptStates.firstIndex(of: state) {
                chunks += bucketPieces(family)
                continue
            }
            // Blocked: the roots depend on other objects, resolved at each scrape.
            chunks.append(Self.compressed(
                kept: { buffer in scrape.renderBlocked(signals.flatMap { $0.flatMap(\.blocked) }, into: &buffer) },
                fresh: { buffer in scrape.renderBlocked(scrape.allFresh.flatMap { $0.flatMap(\.blocked) }, into: &buffer) }))
        }
        chunks.append(Self.compressed(kept: { Self.renderCounts(signals, snapshots, transitionsByKind, into: &$0) },
                                      fresh: { Self.renderCounts(scrape.allFresh, snapshots, transitionsByKind, into: &$0) }))
        if settings.perObjectTransitions {
            chunks.append(.text { buffer in
                MetricsText.header("flux_resource_ready_transitions",
                                   help: "Ready True/False changes of a Flux object observed since the operator started (objects with at least one).",
                                   type: "gauge", into: &buffer)
            })
            chunks += bucketPieces(BucketSignals.transitionsIndex)
        }
        return chunks
    }

    /// One scrape's view: the snapshots, the history and the clock it read, each bucket's signals
    /// computed from them at most once (`fresh`), and the dependency roots resolved at most once.
    private final class Scrape: Sendable {
        let snapshots: [KindSnapshot]
        let history: [SignalTracker.Key: SignalHistory]
        let now: Int64
        let settings: SignalSettings
        let informerByKind: [String: Informer<CachedFluxObject>]
        private let computed = LockedState<[Int: BucketSignals]>([:])
        private let resolver: LockedState<DependencyRoots>

        init(snapshots: [KindSnapshot], history: [SignalTracker.Key: SignalHistory], now: Int64, settings: SignalSettings,
             informerByKind: [String: Informer<CachedFluxObject>]) {
            self.snapshots = snapshots
            self.history = history
            self.now = now
            self.settings = settings
            self.informerByKind = informerByKind
            resolver = LockedState(DependencyRoots { key in
                // Kind/namespace/name → the kind's store, keyed namespace/name.
                guard let slash = key.firstIndex(of: "/") else { return nil }
                return informerByKind[String(key[..<slash])]?.store.get(String(key[key.index(after: slash)...]))?.object
            })
        }

        /// Every bucket's signals computed from scratch, by snapshot.
        var allFresh: [[BucketSignals]] {
            snapshots.indices.map { index in (0..<snapshots[index].buckets).map { fresh(index, $0) } }
        }

        /// The bucket's signals computed from this scrape's objects, history and clock, without
        /// their texts (`freshText`).
        func fresh(_ snapshot: Int, _ bucket: Int) -> BucketSignals {
            let id = snapshot << 16 | bucket  // buckets ≤ ObjectSeriesCache.slots
            if let known = computed.withLock({ $0[id] }) { return known }
            var signals = BucketSignals(objects: snapshots[snapshot].objects(in: bucket), history: history, now: now, settings: settings)
            signals.texts = []
            computed.withLock { $0[id] = signals }
            return signals
        }

        /// One family's text of the bucket, computed now: kept for the whole scrape, every bucket's
        /// texts would add megabytes to a plain scrape's peak, for one computation per family.
        func freshText(_ snapshot: Int, _ bucket: Int, _ family: Int) -> [UInt8] {
            BucketSignals(objects: snapshots[snapshot].objects(in: bucket), history: history, now: now, settings: settings).texts[family]
        }

        func renderBlocked(_ objects: [CachedFluxObject], into buffer: inout [UInt8]) {
            let name = SignalsCollector.familyName(.blocked)
            for cached in objects {
                let roots = resolver.withLock { $0.roots(of: cached.object) }
                let entry = history.isEmpty ? nil : history[SignalTracker.key(cached)]
                let signals = Signals.evaluate(cached.object, history: entry, now: now, factor: settings.staleFactor, roots: roots)
                guard signals.state == .blocked else { continue }
                SignalsCollector.appendSeries(name, cached, extra: SignalsCollector.labels(.blocked, signals), value: signals.since, into: &buffer)
            }
        }
    }

    /// A piece whose gzip form is `kept` compressed at the scrape and whose plain form is `fresh`
    /// (from scratch): both render the same text unless a kept bucket is wrong.
    static func compressed(kept: @escaping MetricsChunk, fresh: @escaping MetricsChunk) -> MetricsPiece {
        .compressed(segment: { () throws(Gzip.Failure) -> DeflateSegment in
            var buffer: [UInt8] = []
            kept(&buffer)
            return try DeflateSegment.compress(buffer)
        }, text: fresh)
    }

    /// `flux_resource_stale` per kind, `flux_resource_drifted` per namespace and the transitions counter per kind.
    static func renderCounts(_ signals: [[BucketSignals]], _ snapshots: [KindSnapshot], _ transitionsByKind: [String: UInt64],
                             into buffer: inout [UInt8]) {
        var stale: [String: Int] = [:]
        var drifted: [String: Int] = [:]
        for (index, snapshot) in snapshots.enumerated() {
            stale[snapshot.kind, default: 0] += 0
            for bucket in signals[index] {
                stale[snapshot.kind, default: 0] += bucket.stale
                drifted.merge(bucket.drifted, uniquingKeysWith: +)
            }
        }
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
    }

    static func familyName(_ state: SignalState) -> String { families[SignalState.allCases.firstIndex(of: state) ?? 0].name }

    /// Ready False waiting on a dependency (`DependencyNotReady`), not suspended: `Signals.evaluate`'s `blocked` branch.
    static func isBlocked(_ cached: CachedFluxObject) -> Bool {
        cached.object.ready == .false && cached.object.reason == DependencyRoots.dependencyNotReady && !cached.object.suspended
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
