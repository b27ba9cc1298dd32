import FluxReport

extension ClusterCache {
    /// Every cached Flux object, by kind.
    var fluxObjects: [FluxObject] {
        kinds.flatMap { $0.informer?.store.list().map(\.object) ?? [] }
    }
}
