import ControllerRuntime
import FluxReport
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

    /// The diagnosis of the cached objects, computed again when the caches changed or the clock
    /// moved on (`DiagnosisCache.current` says when exactly). Concurrent calls share one computation. Its lists hold up to `DiagnosisSettings.maxItems`;
    /// the tools cut them to what was asked.
    func diagnosis() -> Diagnosis {
        diagnoses.current(version: feed.version) { now in
            let objects = cache.fluxObjects
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
