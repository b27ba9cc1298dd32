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

/// Human-readable artifact sizes, formatted like the reference (docs/report.md, Fields).
public enum ByteSize {
    static let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]

    /// `"<n> B"` below 1024; else the unit is chosen by repeated integer division by 1024 and the
    /// value printed with one decimal, C `%.1f` rounding: 1280 → `1.2 KiB`, 1048575 → `1024.0 KiB`.
    public static func format(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        var divisor: Int64 = 1024
        var exponent = 0
        var n = bytes / 1024
        while n >= 1024, exponent < units.count - 1 {
            divisor *= 1024
            exponent += 1
            n /= 1024
        }
        return "\(oneDecimal(Double(bytes) / Double(divisor))) \(units[exponent])"
    }

    /// `%.1f` without Foundation. `bytes / 1024^k` is an exact binary fraction and so is its product
    /// by 10 (sizes stay far below 2^49), so rounding half to even here matches printf's exact rounding.
    static func oneDecimal(_ value: Double) -> String {
        let t = Int64((value * 10).rounded(.toNearestOrEven))
        return "\(t / 10).\(t % 10)"
    }
}

/// One failing object named in an event: `namespace/name (reason)` and the object itself.
public struct FailingExample: Sendable, Equatable {
    public var text: String
    public var subject: EventSubject

    public init(_ object: FluxObject) {
        text = "\(object.namespace)/\(object.name) (\(object.reason))"
        subject = EventSubject(object)
    }
}

/// The objects a `ReconcilersFailing` event names: the longest failing first (Ready's
/// `lastTransitionTime`, oldest first; then by namespace/name), as `namespace/name (reason)`.
public enum FailingExamples {
    public static let limit = 3

    public static func of(_ objects: some Sequence<FluxObject>, limit: Int = FailingExamples.limit) -> [FailingExample] {
        var top: [Entry] = []
        for object in objects where object.isFailing {
            top.append(Entry(object))
            // Bounded work and memory however many fail: keep only the best `limit` as we go.
            if top.count > 4 * max(1, limit) { top = Array(top.sorted().prefix(limit)) }
        }
        return top.sorted().prefix(max(0, limit)).map(\.example)
    }

    /// One failing object as the examples order it: by Ready's `lastTransitionTime` (unknown last),
    /// then `namespace/name`.
    public struct Entry: Sendable, Comparable {
        public var since: Int64
        /// `namespace/name`
        public var key: String
        /// `namespace/name (reason)` and the object, for events
        public var example: FailingExample

        public init(_ object: FluxObject) {
            since = object.readySince > 0 ? object.readySince : Int64.max
            key = "\(object.namespace)/\(object.name)"
            example = FailingExample(object)
        }

        public static func < (a: Entry, b: Entry) -> Bool { (a.since, a.key) < (b.since, b.key) }
        public static func == (a: Entry, b: Entry) -> Bool { a.since == b.since && a.key == b.key }
    }
}
