// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

/// FluxReportSpec defines the observed state of a Flux installation.
public struct FluxReportSpec: Sendable, Equatable {
    /// Distribution is the version information of the Flux installation.
    public var distribution: FluxDistributionStatus
    /// Cluster is the version information of the Kubernetes cluster.
    public var cluster: ClusterInfo?
    /// Operator is the version information of the operator that produced the report.
    public var `operator`: OperatorInfo?
    /// ComponentsStatus is the status of the Flux controller deployments.
    public var components: [FluxComponentStatus]
    /// ReconcilersStatus is the list of Flux reconcilers and their statistics grouped by API kind.
    public var reconcilers: [FluxReconcilerStatus]
    /// SyncStatus is the status of the cluster sync Source and Kustomization.
    public var sync: FluxSyncStatus?

    public init(
        distribution: FluxDistributionStatus,
        cluster: ClusterInfo? = nil,
        operator: OperatorInfo? = nil,
        components: [FluxComponentStatus] = [],
        reconcilers: [FluxReconcilerStatus] = [],
        sync: FluxSyncStatus? = nil
    ) {
        self.distribution = distribution
        self.cluster = cluster
        self.operator = `operator`
        self.components = components
        self.reconcilers = reconcilers
        self.sync = sync
    }
}
