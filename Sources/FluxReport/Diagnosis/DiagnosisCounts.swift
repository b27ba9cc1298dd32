/// How many objects are in each problem, from the same `Signals.evaluate` as the operator's
/// signal series, so each count equals a metric at the same moment:
/// `failing`, `blocked`, `suspended` count the `flux_resource_<state>_since_timestamp_seconds`
/// series; `stale` is the sum of `flux_resource_stale`; `drifted` of `flux_resource_drifted`.
public struct DiagnosisCounts: Sendable, Equatable {
    public var objects = 0
    /// Ready True as the metrics report it, not suspended.
    public var ready = 0
    public var failing = 0
    public var blocked = 0
    public var suspended = 0
    /// Stale whatever their state (`Signals.isStale`).
    public var stale = 0
    /// HelmReleases with `Drifted` True whatever their state.
    public var drifted = 0
    /// Suspended at least `DiagnosisSettings.longSuspension` (when it is known since when).
    public var longSuspended = 0
    /// Distinct objects named as a root cause by some blocked object (missing ones included).
    public var rootCauses = 0
    /// Failing objects that block no other.
    public var failingAlone = 0

    public init() {}

    /// Something is failing: an object fails or waits on a failing dependency.
    public var anyFailing: Bool { failing > 0 || blocked > 0 }
    /// Nothing at all to show.
    public var healthy: Bool { !anyFailing && stale == 0 && drifted == 0 && longSuspended == 0 }
}
