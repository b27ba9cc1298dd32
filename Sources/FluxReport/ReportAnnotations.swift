/// The FluxReport annotations (docs/report.md), as pure functions of the object's annotations.
public enum ReportAnnotations {
    public static let requestedAt = "reconcile.fluxcd.io/requestedAt"
    public static let reconcileEvery = "fluxcd.controlplane.io/reconcileEvery"
    public static let reconcile = "fluxcd.controlplane.io/reconcile"

    /// The `requestedAt` value, nil when absent or empty.
    public static func requestedAt(_ annotations: [String: String]) -> String? {
        guard let value = annotations[requestedAt], !value.isEmpty else { return nil }
        return value
    }

    /// A manual reconcile was requested and not handled yet.
    public static func hasPendingRequest(_ annotations: [String: String], lastHandled: String?) -> Bool {
        guard let value = requestedAt(annotations) else { return false }
        return value != lastHandled
    }

    /// The reporting interval: the `reconcileEvery` annotation when it is a valid positive Go duration,
    /// else `defaultInterval`.
    public static func interval(_ annotations: [String: String], default defaultInterval: Duration) -> Duration {
        guard let text = annotations[reconcileEvery], let d = try? GoDuration.parse(text), d > .zero else {
            return defaultInterval
        }
        return d
    }

    /// `fluxcd.controlplane.io/reconcile: disabled` (any case) pauses reporting.
    public static func isReconcileDisabled(_ annotations: [String: String]) -> Bool {
        annotations[reconcile]?.lowercased() == "disabled"
    }
}
