// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

/// FluxReconcilerStatus defines the observed state of a Flux reconciler.
public struct FluxReconcilerStatus: Sendable, Equatable {
    /// APIVersion is the API version of the Flux resource.
    public var apiVersion: String
    /// Kind is the kind of the Flux resource.
    public var kind: String
    /// Stats is the reconcile statistics of the Flux resource kind.
    public var stats: FluxReconcilerStats

    public init(apiVersion: String, kind: String, stats: FluxReconcilerStats) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.stats = stats
    }
}
