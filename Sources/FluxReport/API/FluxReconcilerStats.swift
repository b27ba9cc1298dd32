// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

/// Stats is the reconcile statistics of the Flux resource kind.
public struct FluxReconcilerStats: Sendable, Equatable {
    /// Running is the number of reconciled resources that are not suspended.
    public var running: Int
    /// Failing is the number of reconciled resources in a failed state.
    public var failing: Int
    /// Suspended is the number of suspended resources.
    public var suspended: Int
    /// TotalSize is the total size of the artifacts in storage.
    public var totalSize: String?

    public init(running: Int, failing: Int, suspended: Int, totalSize: String? = nil) {
        self.running = running
        self.failing = failing
        self.suspended = suspended
        self.totalSize = totalSize
    }
}
