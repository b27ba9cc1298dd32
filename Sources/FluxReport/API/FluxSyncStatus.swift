// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

/// SyncStatus is the status of the cluster sync Source and Kustomization.
public struct FluxSyncStatus: Sendable, Equatable {
    /// ID is the identifier of the sync (kustomization/<name>).
    public var id: String
    /// Path is the kustomize path of the sync.
    public var path: String?
    /// Ready is the readiness status of the sync.
    public var ready: Bool
    /// Status is a human-readable message of the sync.
    public var status: String
    /// Source is the URL of the sync source.
    public var source: String?

    public init(id: String, path: String? = nil, ready: Bool, status: String, source: String? = nil) {
        self.id = id
        self.path = path
        self.ready = ready
        self.status = status
        self.source = source
    }
}
