/// What the diagnosis treats as a problem and how much of each answer it returns
/// (docs/diagnosis.md, Bounds). Every list of an answer holds at most `items` entries plus a count
/// of the rest, so a fleet of a million objects gives an answer of bounded size.
public struct DiagnosisSettings: Sendable, Equatable {
    /// `--stale-interval-factor`: stale after this many intervals without progress (`Signals.isStale`).
    public var staleFactor: Int64 = Signals.defaultStaleFactor
    /// A suspension at least this old (seconds) is listed as a problem.
    public var longSuspension: Int64 = 86400
    /// Entries per list (root causes, failing, stale, …, dependencies, dependents, query results).
    public var items = 50
    /// Paths to root causes shown for one object.
    public var paths = 10
    /// Objects per path: a longer chain is cut (its root is still named).
    public var pathDepth = 32

    /// The largest `items` a caller may ask for; larger values are clamped.
    public static let maxItems = 1000

    public init(staleFactor: Int64 = Signals.defaultStaleFactor, longSuspension: Int64 = 86400, items: Int = 50,
                paths: Int = 10, pathDepth: Int = 32) {
        self.staleFactor = staleFactor
        self.longSuspension = longSuspension
        self.items = min(max(1, items), Self.maxItems)
        self.paths = min(max(1, paths), Self.maxItems)
        self.pathDepth = min(max(2, pathDepth), DependencyRoots.maxVisits)
    }
}
