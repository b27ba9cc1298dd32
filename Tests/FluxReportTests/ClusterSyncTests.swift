import FluxReport
import Testing

@Suite struct ClusterSyncTests {
    typealias Key = ClusterSync.ObjectKey

    @Test("the sync pair a snapshot names: the Kustomization (even before it exists) and, once found, its source")
    func objects() {
        var snapshot = ReportSnapshot(namespace: "flux-system")
        #expect(ClusterSync.objects(in: snapshot) == [Key(kind: "Kustomization", namespace: "flux-system", name: "flux-system")])

        snapshot.fluxInstances = .success([FluxInstanceInfo(name: "b", syncName: "b-sync"), FluxInstanceInfo(name: "a", syncName: "a-sync")])
        #expect(ClusterSync.objects(in: snapshot) == [Key(kind: "Kustomization", namespace: "flux-system", name: "a-sync")])

        let ref = SyncKustomization.SourceRef(kind: "OCIRepository", name: "platform", namespace: "sources")
        snapshot.syncKustomization = .found(SyncKustomization(name: "a-sync", namespace: "flux-system", sourceRef: ref))
        #expect(ClusterSync.objects(in: snapshot) == [
            Key(kind: "Kustomization", namespace: "flux-system", name: "a-sync"),
            Key(kind: "OCIRepository", namespace: "sources", name: "platform"),
        ])
        // The report names the same Kustomization.
        #expect(ClusterSync.kustomizationName(namespace: "flux-system", instances: [FluxInstanceInfo(name: "a", syncName: "a-sync")]) == "a-sync")

        // Unreadable instances: no answer, so the previous one stands.
        snapshot.fluxInstances = .failure(PartError("FluxInstance cache unavailable"))
        #expect(ClusterSync.objects(in: snapshot) == nil)
    }
}
