import Prometheus

/// controller-runtime's `controller_runtime_*` metrics for one controller.
public struct ControllerMetrics: Sendable {
    /// controller-runtime's reconcile-time buckets.
    public static let reconcileTimeBuckets: [Double] = [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0,
        1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ]

    let success: Counter
    let error: Counter
    let requeue: Counter
    let requeueAfter: Counter
    let errors: Counter
    let reconcileTime: ValueHistogram
    let maxConcurrent: Gauge
    let activeWorkers: Gauge

    public init(registry: MetricsRegistry, controller: String) {
        func total(_ result: String) -> Counter {
            registry.counter("controller_runtime_reconcile_total",
                             help: "Total number of reconciliations per controller",
                             labels: [("controller", controller), ("result", result)])
        }
        // Pre-created at 0 so dashboards see every result from the start.
        success = total("success")
        error = total("error")
        requeue = total("requeue")
        requeueAfter = total("requeue_after")
        errors = registry.counter("controller_runtime_reconcile_errors_total",
                                  help: "Total number of reconciliation errors per controller",
                                  labels: [("controller", controller)])
        reconcileTime = registry.histogram("controller_runtime_reconcile_time_seconds",
                                           help: "Length of time per reconciliation per controller",
                                           labels: [("controller", controller)], buckets: Self.reconcileTimeBuckets)
        maxConcurrent = registry.gauge("controller_runtime_max_concurrent_reconciles",
                                       help: "Maximum number of concurrent reconciles per controller",
                                       labels: [("controller", controller)])
        activeWorkers = registry.gauge("controller_runtime_active_workers",
                                       help: "Number of currently used workers per controller",
                                       labels: [("controller", controller)])
    }
}
