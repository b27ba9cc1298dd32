import ControllerRuntime
import KubeCore
import KubeFake
import Logging
import Testing
@testable import FluxReportOperator

/// `/readyz`'s `flux-caches` check (`ClusterCache.hasSynced`): ready means every discovered Flux kind
/// is listed, not only that the CRD list has landed while the kind informers are still to be started.
@Suite struct ClusterCacheReadinessTests {
    @Test("not synced between the CRD list landing and the kind informers' start; synced once they have listed")
    func notSyncedBeforeTheKindsAreDiscovered() async throws {
        let api = try await ReportReconcilerTests.cluster(seed: 2)
        // The CRDs are listed last, so that only the kind informers remain when their list lands.
        api.holdLists(.customResourceDefinitions)
        let cache = ClusterCache(api: api, namespace: ReportReconcilerTests.namespace, logger: Logger(label: "test"))
        // Registered before `run()` adds the cache's own handler: it hears the CRD list before the
        // kinds are discovered from it.
        let seen = LockedState<[(crdsSynced: Bool, synced: Bool, kinds: Int)]>([])
        cache.crds.addBatchHandler(replay: false) { _ in
            let observation = (cache.crds.hasSynced, cache.hasSynced, cache.kinds.count)
            seen.withLock { $0.append(observation) }
        }
        let task = Task { await cache.run() }
        defer { task.cancel() }
        await cache.deployments.waitForSync()
        await cache.nodes.waitForSync()
        await cache.report.waitForSync()
        api.releaseLists(.customResourceDefinitions)
        await cache.waitForSync()

        let first = try #require(seen.withLock { $0.first })
        #expect(first.crdsSynced, "the CRD list is delivered as synced")
        #expect(first.kinds == 0, "the test's handler runs before the cache's discovery")
        #expect(!first.synced, "ready with \(first.kinds) kind informers started")
        let kinds = cache.kinds
        #expect(kinds.count >= 10, "\(kinds.map(\.crd.kind))")
        #expect(cache.hasSynced && kinds.allSatisfy { $0.informer?.hasSynced == true })
    }
}
