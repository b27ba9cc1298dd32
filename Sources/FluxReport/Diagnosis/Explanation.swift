/// One object's diagnosis (docs/diagnosis.md, Explanation): its Ready condition and signals in
/// words, what it depends on and what depends on it with their states, and for a blocked object
/// the shortest path to each of its root causes.
public struct Explanation: Sendable, Equatable {
    public var object: ObjectSummary
    /// The Ready condition's last transition (0 when unknown).
    public var readySince: Int64
    public var suspended: Bool
    /// `spec.interval` in seconds (0 when none) and the last reconcile seen with its evidence.
    public var interval: Int64
    public var lastReconcile: Int64
    public var evidence: ReconcileEvidence
    /// The revision last attempted (`FluxObject.revision`) and, when it differs, the last applied
    /// one (`SignalInputs.appliedRevision`: a Kustomization's, a HelmRelease's last deployed chart).
    public var revision: String
    public var appliedRevision: String?
    /// A HelmRelease's newest releases (`SignalInputs.releases`), newest first.
    public var releases: [HelmReleaseSnapshot]
    /// The Ready reason of the last failure the operator observed (empty without history).
    public var lastFailureReason: String
    /// When it is itself a root cause: how many blocked objects it holds up.
    public var blocks: Int
    public var dependencies: Bounded<ObjectSummary>
    public var dependents: Bounded<ObjectSummary>
    /// Each path starts at this object and ends at a root cause (at most `DiagnosisSettings.pathDepth` long).
    public var paths: Bounded<[ObjectKey]>
}
