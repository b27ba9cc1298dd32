// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

import KubeCore

/// FluxReportStatus defines the readiness of the FluxReport.
public struct FluxReportStatus: Sendable, Equatable {
    /// Conditions contains the readiness conditions of the report.
    public var conditions: [Condition]
    /// LastHandledReconcileAt holds the value of the most recent reconcile request value.
    public var lastHandledReconcileAt: String?

    public init(conditions: [Condition] = [], lastHandledReconcileAt: String? = nil) {
        self.conditions = conditions
        self.lastHandledReconcileAt = lastHandledReconcileAt
    }
}
