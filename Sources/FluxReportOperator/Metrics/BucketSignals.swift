import ControllerRuntime
import FluxReport

/// What one bucket of objects (`ObjectSeriesCache`'s buckets) gives the signal series at an instant:
/// the state series of its objects by family, its objects waiting on a dependency, its stale count
/// and its drifted HelmReleases per namespace, and until when that holds.
struct BucketSignals: Sendable {
    /// The families kept per bucket, in exposition order: the states but `blocked` (whose roots
    /// depend on other objects: rendered at each scrape), then the per-object transitions.
    static let keptStates: [SignalState] = SignalState.allCases.filter { $0 != .blocked }
    static var transitionsIndex: Int { keptStates.count }

    /// Text per kept family (`keptStates`, then `flux_resource_ready_transitions` when enabled);
    /// emptied in a `SignalStateCache.Entry`, which keeps it compressed.
    var texts: [[UInt8]]
    /// Objects in the `blocked` state, in bucket order (their roots are resolved when rendered).
    var blocked: [CachedFluxObject] = []
    var stale = 0
    var drifted: [String: Int] = [:]
    /// The earliest stale deadline not passed at the instant computed: until then (inclusive) no
    /// object of the bucket turns stale, so nothing above changes while no object or history does.
    var validUntil = Int64.max

    /// The bucket's objects evaluated at `now` (the one implementation: kept buckets come from it,
    /// and the plain scrape renders every bucket with it).
    init(objects: some Collection<CachedFluxObject>, history: [SignalTracker.Key: SignalHistory], now: Int64, settings: SignalSettings) {
        texts = [[UInt8]](repeating: [], count: Self.keptStates.count + 1)
        let factor = settings.staleFactor
        var lastKind = ""
        var canDrift = false
        for cached in objects {
            // Most objects have no state: decided from a few fields, without copying the
            // projection or looking its history up.
            let screen = SignalsCollector.screen(cached, now: now, factor: factor)
            if screen.stale {
                stale += 1
            } else if let deadline = Signals.staleDeadline(cached.object, factor: factor) {
                validUntil = min(validUntil, deadline)  // stale once now > deadline
            }
            // Every namespace with an object of a kind that can drift has a series, 0 when none
            // drifted: a dashboard shows 0, not "no data", on a healthy cluster.
            if cached.object.kind != lastKind {
                lastKind = cached.object.kind
                canDrift = FluxKindTable.entry(lastKind).driftCondition != nil
            }
            if screen.drifted || canDrift { drifted[cached.object.namespace, default: 0] += screen.drifted ? 1 : 0 }
            let lookup = !history.isEmpty && (screen.mayHaveState || settings.perObjectTransitions)
            let entry = lookup ? history[SignalTracker.key(cached)] : nil
            if settings.perObjectTransitions, let entry, entry.transitions > 0 {
                SignalsCollector.appendSeries("flux_resource_ready_transitions", cached,
                                              extra: [("last_failure_reason", entry.lastFailureReason)],
                                              value: Int64(entry.transitions), into: &texts[Self.transitionsIndex])
            }
            guard screen.mayHaveState else { continue }
            if SignalsCollector.isBlocked(cached) {
                blocked.append(cached)
                continue
            }
            let signals = Signals.evaluate(cached.object, history: entry, now: now, factor: factor)
            guard let state = signals.state, let index = Self.keptStates.firstIndex(of: state) else { continue }
            SignalsCollector.appendSeries(SignalsCollector.familyName(state), cached, extra: SignalsCollector.labels(state, signals),
                                          value: signals.since, into: &texts[index])
        }
    }
}
