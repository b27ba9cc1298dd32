import ControllerRuntime
import FluxReport

/// `gotk_resource_info` at scrape time from the informer caches (`--metrics-gotk-resource-info`):
/// the series kube-state-metrics produces with flux2-monitoring-example's custom-resource-state
/// config, live, without kube-state-metrics (labels: `GotkResourceInfo`). Leader only, like the
/// other Flux object series; rendered in chunks of `FluxMetricsCollector.objectsPerChunk` objects,
/// each kind's objects snapshotted without holding the store's lock while rendering.
final class GotkResourceInfoCollector: MetricsCollector, Sendable {
    private let cache: ClusterCache
    private let isLeader: @Sendable () -> Bool

    init(cache: ClusterCache, isLeader: @escaping @Sendable () -> Bool) {
        self.cache = cache
        self.isLeader = isLeader
    }

    func collect(into buffer: inout [UInt8]) {
        for chunk in chunks() { chunk(&buffer) }
    }

    func chunks() -> [MetricsChunk] {
        guard isLeader() else { return [] }
        let snapshots: [[CachedFluxObject]] = cache.kinds.compactMap { entry in
            guard let informer = entry.informer, GotkResourceInfo.kinds.contains(informer.resource.kind) else { return nil }
            return informer.store.withItems { Array($0.values) }
        }
        var chunks: [MetricsChunk] = [{ MetricsText.header(GotkResourceInfo.metricName, help: GotkResourceInfo.help, type: "gauge", into: &$0) }]
        for objects in snapshots {
            var start = 0
            while start < objects.count {
                let slice = objects[start..<min(start + FluxMetricsCollector.objectsPerChunk, objects.count)]
                chunks.append { buffer in
                    for cached in slice {
                        guard let own = cached.object.gotkInfo else { continue }
                        MetricsText.sample(GotkResourceInfo.metricName, labels: GotkResourceInfo.labels(cached.object, own), value: 1, into: &buffer)
                    }
                }
                start += FluxMetricsCollector.objectsPerChunk
            }
        }
        return chunks
    }
}
