import KubeCore
import Prometheus

/// `rest_client_requests_total{code,method,host}`, fed by the Kubernetes client as a `RequestObserver`.
public struct RESTClientMetrics: RequestObserver {
    private let registry: MetricsRegistry

    public init(registry: MetricsRegistry) {
        self.registry = registry
    }

    public func requestCompleted(code: String, method: String, host: String) {
        // makeCounter returns the existing series for the same labels, so this stays cheap.
        registry.counter("rest_client_requests_total",
                         help: "Number of HTTP requests, partitioned by status code, method, and host.",
                         labels: [("code", code), ("method", method), ("host", host)]).increment()
    }
}
