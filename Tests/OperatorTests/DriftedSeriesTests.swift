import FluxReport
import Testing
@testable import FluxReportOperator

/// `flux_resource_drifted` per namespace: 0, not "no data", where HelmReleases are and none drifted.
@Suite struct DriftedSeriesTests {
    @Test func everyNamespaceWithAHelmReleaseHasASeries() {
        let healthy = FluxObject(kind: "HelmRelease", namespace: "apps", name: "web", ready: .true, reason: "UpgradeSucceeded")
        var drifted = FluxObject(kind: "HelmRelease", namespace: "shop", name: "cart", ready: .true, reason: "UpgradeSucceeded")
        drifted.signals.drifted = true
        let other = FluxObject(kind: "Kustomization", namespace: "infra", name: "base", ready: .true, reason: "ReconciliationSucceeded")
        let signals = BucketSignals(objects: [healthy, drifted, other].map { CachedFluxObject($0) }, history: [:],
                                    now: 1_800_000_000, settings: SignalSettings())
        #expect(signals.drifted == ["apps": 0, "shop": 1])
    }
}
