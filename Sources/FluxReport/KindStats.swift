/// Per-kind counters behind one `spec.reconcilers` entry.
///
/// Kept incrementally by the operator (`add`/`remove` from watch events) or computed from a cache
/// with `init(objects:)`; either way the report reads O(kinds), not O(objects). On a watch MODIFIED
/// event call `remove(old)` then `add(new)` with the two projections.
public struct KindStats: Sendable, Equatable {
    public var total: Int
    public var suspended: Int
    public var failing: Int
    public var totalSize: Int64

    public init(total: Int = 0, suspended: Int = 0, failing: Int = 0, totalSize: Int64 = 0) {
        self.total = total
        self.suspended = suspended
        self.failing = failing
        self.totalSize = totalSize
    }

    public init(objects: some Sequence<FluxObject>) {
        self.init()
        for object in objects { add(object) }
    }

    public mutating func add(_ object: FluxObject) {
        total += 1
        if object.suspended { suspended += 1 }
        if object.isFailing { failing += 1 }
        totalSize &+= object.artifactSize
    }

    public mutating func remove(_ object: FluxObject) {
        total -= 1
        if object.suspended { suspended -= 1 }
        if object.isFailing { failing -= 1 }
        totalSize &-= object.artifactSize
    }

    /// The report's `stats` for these counters.
    public var reconcilerStats: FluxReconcilerStats {
        FluxReconcilerStats(
            running: max(0, total - suspended), failing: max(0, failing), suspended: max(0, suspended),
            totalSize: totalSize > 0 ? ByteSize.format(totalSize) : nil)
    }
}
