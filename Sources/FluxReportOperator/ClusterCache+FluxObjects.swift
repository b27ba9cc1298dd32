import FluxReport

extension ClusterCache {
    /// Waits until the CRDs are listed and every Flux kind's informer has synced, without waiting
    /// for the other caches (Deployments, Nodes, the report): the diagnosis reads the Flux objects only.
    func waitForFluxObjects() async {
        await crds.waitForSync()
        reconcileKinds()
        await informers.waitForSync()
    }

    /// Every cached Flux object, by kind.
    var fluxObjects: [FluxObject] {
        kinds.flatMap { $0.informer?.store.list().map(\.object) ?? [] }
    }
}
