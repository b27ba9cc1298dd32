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
