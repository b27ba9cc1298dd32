import KubeCore

extension FluxReconcilerStatus {
    /// The API group (without version): identifies the kind across version upgrades.
    public var group: String { GroupVersion(apiVersion: apiVersion).group }
}
