import KubeCore

/// Counts of the signals over all objects, for the report's `Signals` condition and the per-kind series.
public struct SignalSummary: Sendable, Equatable {
    public var objects = 0
    public var stale = 0
    public var suspended = 0
    public var drifted = 0
    public var failing = 0
    /// The first few stale objects (`Kind namespace/name`), sorted, for the condition's message.
    public var staleExamples: [String] = []
    public static let maxExamples = 5

    public init() {}

    public init(objects: some Sequence<FluxObject>, now: Int64, factor: Int64) {
        var examples: [String] = []
        for object in objects {
            self.objects += 1
            if object.suspended { suspended += 1 }
            if object.isFailing { failing += 1 }
            if object.signals.drifted { drifted += 1 }
            if Signals.isStale(object, now: now, factor: factor) {
                stale += 1
                examples.append(Signals.staleExample(kind: object.kind, namespace: object.namespace, name: object.name))
            }
        }
        staleExamples = Array(examples.sorted().prefix(Self.maxExamples))
    }

    /// Adds another set of counts (another kind).
    public mutating func add(_ other: SignalSummary) {
        objects += other.objects
        stale += other.stale
        suspended += other.suspended
        drifted += other.drifted
        failing += other.failing
        staleExamples = Array((staleExamples + other.staleExamples).sorted().prefix(Self.maxExamples))
    }
}
