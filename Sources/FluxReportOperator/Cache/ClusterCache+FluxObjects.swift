import ControllerRuntime
import FluxReport

extension ClusterCache {
    /// Every cached Flux object, by kind: one array of the exact size (grown by appending, a million
    /// objects would pass through copies of up to twice their size).
    var fluxObjects: [FluxObject] {
        let lists = kinds.compactMap { $0.informer?.store.list() }
        var objects: [FluxObject] = []
        objects.reserveCapacity(lists.reduce(0) { $0 + $1.count })
        for list in lists {
            for cached in list { objects.append(cached.object) }
        }
        return objects
    }

    /// The started informers of the discovered kinds, by kind name, in `kinds` order.
    var kindInformers: [(kind: String, informer: Informer<CachedFluxObject>)] {
        kinds.compactMap { entry in entry.informer.map { (entry.crd.kind, $0) } }
    }
}
