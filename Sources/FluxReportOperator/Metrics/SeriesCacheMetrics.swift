import ControllerRuntime

/// How full the per-object series cache is, to size `--metrics-series-cache-size`: the bytes kept,
/// the budget, and the buckets dropped over it (a steadily growing count means scrapes render
/// those buckets again each time). Read when the scrape reaches it: `OperatorApp` registers it after
/// the Flux object collectors, so the figures include what the same scrape kept and dropped.
final class SeriesCacheMetrics: MetricsCollector, Sendable {
    private let series: ObjectSeriesCache

    init(series: ObjectSeriesCache) { self.series = series }

    func pieces() -> [MetricsPiece] { [.text { self.render(into: &$0) }] }

    private func render(into buffer: inout [UInt8]) {
        let usage = series.usage
        MetricsText.header("flux_report_series_cache_bytes",
                           help: "Bytes the compressed per-object series cache keeps between scrapes (estimated overhead included).",
                           type: "gauge", into: &buffer)
        MetricsText.sample("flux_report_series_cache_bytes", labels: [], value: Double(usage.bytes), into: &buffer)
        MetricsText.header("flux_report_series_cache_budget_bytes",
                           help: "The series cache's byte budget (--metrics-series-cache-size); 0 keeps nothing.",
                           type: "gauge", into: &buffer)
        MetricsText.sample("flux_report_series_cache_budget_bytes", labels: [], value: Double(series.budget), into: &buffer)
        MetricsText.header("flux_report_series_cache_evictions_total",
                           help: "Buckets of series dropped from the cache, or not kept, to stay within its budget; rendered again when next scraped.",
                           type: "counter", into: &buffer)
        MetricsText.sample("flux_report_series_cache_evictions_total", labels: [], value: Double(usage.evictions), into: &buffer)
    }
}
