import ControllerRuntime
import FluxReport
import Foundation

/// The collectors of the Flux object series (docs/monitoring.md, Metrics reference), the one
/// `ObjectSeriesCache` they keep their per-object series in and the `SignalTracker` the signal
/// series read, fed by the cluster cache's object events in the order their versions need.
final class FluxObjectMetrics: Sendable {
    let series: ObjectSeriesCache
    /// `flux_report_series_cache_*`: how full `series` is.
    let seriesCache: SeriesCacheMetrics
    let tracker: SignalTracker
    /// `flux_resource_info` and the other `*_info` families, with the `gotk_*` compatibility series.
    let objects: FluxMetricsCollector
    let signals: SignalsCollector
    /// `gotk_resource_info`, when `--metrics-gotk-resource-info` asks for it.
    let gotkResourceInfo: GotkResourceInfoCollector?

    init(cache: ClusterCache, objectLabels: ObjectLabelSelection, gotk: Bool, gotkResourceInfo: Bool, signals: SignalSettings,
         seriesCacheBudget: Int = OperatorConfiguration.defaultSeriesCacheSize, tracker: SignalTracker = SignalTracker(), deletedRetention: TimeInterval = 600,
         now: @escaping @Sendable () -> Date = { Date() }, isLeader: @escaping @Sendable () -> Bool) {
        let series = ObjectSeriesCache(budget: seriesCacheBudget)
        self.series = series
        seriesCache = SeriesCacheMetrics(series: series)
        self.tracker = tracker
        objects = FluxMetricsCollector(cache: cache, series: series, objectLabels: objectLabels, gotk: gotk,
                                       deletedRetention: deletedRetention, now: now, isLeader: isLeader)
        self.signals = SignalsCollector(cache: cache, series: series, tracker: tracker, settings: signals, isLeader: isLeader)
        self.gotkResourceInfo = gotkResourceInfo ? GotkResourceInfoCollector(cache: cache, series: series, isLeader: isLeader) : nil
    }

    /// Informer events of every Flux kind (`ClusterCache.objectEvents`).
    func objectEvents(_ events: [InformerEvent<CachedFluxObject>]) {
        objects.objectEvents(events)
        tracker.objectEvents(events)
        // Last: a bucket's version counts an event only once the tracker's history has it too.
        series.objectEvents(events)
    }
}
