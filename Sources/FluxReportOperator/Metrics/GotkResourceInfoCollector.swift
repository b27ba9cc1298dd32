import ControllerRuntime
import FluxReport

/// `gotk_resource_info` at scrape time from the informer caches (`--metrics-gotk-resource-info`):
/// the series kube-state-metrics produces with flux2-monitoring-example's custom-resource-state
/// config, live, without kube-state-metrics (labels: `GotkResourceInfo`). Leader only, like the
/// other Flux object series; rendered per bucket of objects and kept compressed (`ObjectSeriesCache`),
/// each kind's objects snapshotted without holding the store's lock while rendering.
final class GotkResourceInfoCollector: MetricsCollector, Sendable {
    private let cache: ClusterCache
    private let isLeader: @Sendable () -> Bool
    private let series: ObjectSeriesCache

    init(cache: ClusterCache, series: ObjectSeriesCache, isLeader: @escaping @Sendable () -> Bool) {
        self.cache = cache
        self.series = series
        self.isLeader = isLeader
    }

    func pieces() -> [MetricsPiece] {
        guard isLeader() else {
            series.clear()
            return []
        }
        // Every kind snapshotted (the series cache keeps only the kinds it is shown), the kinds of
        // flux2-monitoring-example's config rendered.
        let snapshots = series.snapshot(cache.kindInformers).filter { GotkResourceInfo.kinds.contains($0.kind) }
        var pieces: [MetricsPiece] = [.text { MetricsText.header(GotkResourceInfo.metricName, help: GotkResourceInfo.help, type: "gauge", into: &$0) }]
        for snapshot in snapshots {
            pieces += series.pieces(section: .gotkResourceInfo, snapshot) { cached, buffer, _ in
                guard let own = cached.object.gotkInfo else { return }
                MetricsText.sample(GotkResourceInfo.metricName, labels: GotkResourceInfo.labels(cached.object, own), value: 1, into: &buffer)
            }
        }
        return pieces
    }
}
