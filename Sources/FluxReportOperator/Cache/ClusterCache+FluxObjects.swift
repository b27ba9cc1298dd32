import ControllerRuntime
import FluxReport

extension ClusterCache {
    /// Every cached Flux object, by kind.
    var fluxObjects: [FluxObject] {
        kinds.flatMap { $0.informer?.store.list().map(\.object) ?? [] }
    }

    /// The started informers of the discovered kinds, by kind name, in `kinds` order.
    var kindInformers: [(kind: String, informer: Informer<CachedFluxObject>)] {
        kinds.compactMap { entry in entry.informer.map { (entry.crd.kind, $0) } }
    }
}
