/// Annotations the suspension signal reads.
public enum SignalAnnotations {
    /// Written by the Flux Operator's web UI when a user suspends an object.
    public static let suspendedBy = "fluxcd.controlplane.io/suspendedBy"
    /// Weave GitOps' equivalent.
    public static let weaveSuspendedBy = "metadata.weave.works/suspended-by"
    /// Why, free text (this operator's convention, documented in docs/monitoring.md).
    public static let suspendedReason = "fluxcd.controlplane.io/suspendedReason"
    /// When, RFC 3339 (this operator's convention); else the time the operator first saw the suspension.
    public static let suspendedAt = "fluxcd.controlplane.io/suspendedAt"
}
