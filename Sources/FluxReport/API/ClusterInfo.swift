// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

/// Cluster is the version information of the Kubernetes cluster.
public struct ClusterInfo: Sendable, Equatable {
    /// ServerVersion is the Kubernetes version of the API server.
    public var serverVersion: String
    /// Platform is the os/arch of the Kubernetes control plane.
    public var platform: String
    /// Nodes is the number of nodes in the Kubernetes cluster.
    public var nodes: Int?

    public init(serverVersion: String, platform: String, nodes: Int? = nil) {
        self.serverVersion = serverVersion
        self.platform = platform
        self.nodes = nodes
    }
}
