// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

/// Distribution is the version information of the Flux installation.
public struct FluxDistributionStatus: Sendable, Equatable {
    /// Entitlement is the entitlement verification status.
    public var entitlement: String
    /// Status is the installation status of the Flux distribution.
    public var status: String
    /// Version is the version of the Flux instance.
    public var version: String?
    /// ManagedBy is the name of the operator or tool that manages the Flux instance.
    public var managedBy: String?

    public init(entitlement: String, status: String, version: String? = nil, managedBy: String? = nil) {
        self.entitlement = entitlement
        self.status = status
        self.version = version
        self.managedBy = managedBy
    }
}
