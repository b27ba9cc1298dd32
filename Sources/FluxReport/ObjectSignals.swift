import KubeCore

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
