// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

/// FluxComponentStatus defines the observed state of a Flux component.
public struct FluxComponentStatus: Sendable, Equatable {
    /// Name is the name of the Flux component.
    public var name: String
    /// Ready is the readiness status of the Flux component.
    public var ready: Bool
    /// Status is a human-readable message (kstatus) of the component.
    public var status: String
    /// Image is the container image of the Flux component.
    public var image: String

    public init(name: String, ready: Bool, status: String, image: String) {
        self.name = name
        self.ready = ready
        self.status = status
        self.image = image
    }
}
