import ControllerRuntime
import FluxReport
import Foundation
import KubeCore

/// What the MCP tools read: the watch-fed caches, the operator's signal history, the recent
/// transitions and the live report. The running operator passes its own (no API request per
/// call); `flux-report-operator mcp` keeps one per kubeconfig context (`ContextSession`).
struct FluxView: Sendable {
    let cache: ClusterCache
    let tracker: SignalTracker
    let feed: ChangeFeed
    let report: LiveReport
    private let diagnoses = DiagnosisCache()

    init(cache: ClusterCache, tracker: SignalTracker, feed: ChangeFeed, report: LiveReport) {
        self.cache = cache
        self.tracker = tracker
        self.feed = feed
        self.report = report
    }

    /// The diagnosis of the cached objects: computed again when the caches changed, or when the
    /// last one is older than `DiagnosisCache.maxAge` (times and staleness move with the clock).
    /// Concurrent calls share one computation. Its lists hold up to `DiagnosisSettings.maxItems`;
    /// the tools cut them to what was asked.
    func diagnosis() -> Diagnosis {
        diagnoses.current(version: feed.version) { now in
            var objects: [FluxObject] = []
            for (_, informer) in cache.kinds {
                guard let informer else { continue }
                objects += informer.store.list().map(\.object)
            }
            let history = tracker.snapshot.entries
            let settings = DiagnosisSettings(staleFactor: cache.staleFactor, items: DiagnosisSettings.maxItems)
            let diagnosis = Diagnosis(objects: objects, now: now, settings: settings,
                                      history: { history.isEmpty ? nil : history[SignalTracker.key($0)] })
            return diagnosis
        }
    }

    /// The diagnosis clock: seconds since the epoch.
    func now() -> Int64 { diagnoses.now() }

    /// The kinds the caches serve (discovered from the CRDs), sorted.
    var kinds: [String] { Set(cache.kinds.map(\.crd.kind)).sorted() }
}

/// The last diagnosis with the cache version and the time it was computed at.
final class DiagnosisCache: Sendable {
    /// Seconds a diagnosis is reused while nothing changed.
    static let maxAge: Int64 = 5

    private struct Entry {
        var version: UInt64
        var computedAt: Int64
        var diagnosis: Diagnosis
    }

    private let last = LockedState<Entry?>(nil)
    /// Serializes computations: callers arriving meanwhile wait and take the result.
    private let computing = LockedState(())
    let now: @Sendable () -> Int64

    init(now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) { self.now = now }

    func current(version: UInt64, _ compute: (Int64) -> Diagnosis) -> Diagnosis {
        computing.withLock { _ in
            let time = now()
            if let entry = last.withLock({ $0 }), entry.version == version, time - entry.computedAt < Self.maxAge, time >= entry.computedAt {
                return entry.diagnosis
            }
            let diagnosis = compute(time)
            last.withLock { $0 = Entry(version: version, computedAt: time, diagnosis: diagnosis) }
            return diagnosis
        }
    }
}
