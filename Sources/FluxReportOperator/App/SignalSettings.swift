import FluxReport

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
