import Prometheus

/// client-go / controller-runtime `workqueue_*` metrics for one queue, labels `{name, controller}`.
public struct WorkQueueMetrics: Sendable {
    /// `prometheus.ExponentialBuckets(10e-9, 10, 12)`: 1e-8 … 1000.
    public static let buckets: [Double] = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]

    let depth: Gauge
    let adds: Counter
    let queueDuration: ValueHistogram
    let workDuration: ValueHistogram
    let unfinishedWork: Gauge
    let longestRunning: Gauge
    let retries: Counter

    public init(registry: MetricsRegistry, name: String, controller: String) {
        let labels = [("name", name), ("controller", controller)]
        depth = registry.gauge("workqueue_depth", help: "Current depth of workqueue", labels: labels)
        adds = registry.counter("workqueue_adds_total", help: "Total number of adds handled by workqueue", labels: labels)
        queueDuration = registry.histogram(
            "workqueue_queue_duration_seconds",
            help: "How long in seconds an item stays in workqueue before being requested", labels: labels,
            buckets: Self.buckets)
        workDuration = registry.histogram(
            "workqueue_work_duration_seconds", help: "How long in seconds processing an item from workqueue takes.",
            labels: labels, buckets: Self.buckets)
        unfinishedWork = registry.gauge(
            "workqueue_unfinished_work_seconds",
            help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
            labels: labels)
        longestRunning = registry.gauge(
            "workqueue_longest_running_processor_seconds",
            help: "How many seconds has the longest running processor for workqueue been running.", labels: labels)
        retries = registry.counter("workqueue_retries_total", help: "Total number of retries handled by workqueue", labels: labels)
    }
}
