import ControllerRuntime
import Foundation

/// Everything the operator is configured with, as a value: built from flags and environment by
/// `RunCommand`, consumed by `OperatorApp`. Tests and the demo construct it directly.
public struct OperatorConfiguration: Sendable, Hashable {
    public var kubeconfigPath: String?
    public var context: String?
    /// Namespace of the FluxReport, the controllers and the Lease.
    public var namespace: String
    /// Default report interval; the `fluxcd.controlplane.io/reconcileEvery` annotation overrides it.
    public var reportingInterval: Duration
    /// `--reporting-interval`'s default (5m).
    public static let defaultReportingInterval: Duration = .seconds(300)
    public var metricsAddress: ListenAddress
    public var healthAddress: ListenAddress
    /// The status page (`--web-addr`); nil turns it off. Off unless asked for: the `run` command's
    /// flag defaults to `:9080`, tests and embedders choose their own port.
    public var webAddress: ListenAddress? = nil
    /// Limits of the metrics and web servers (`--http-max-connections`); the health server keeps its own.
    public var httpLimits = HTTPServerLimits()
    /// Host names the status page answers besides IP literals and `localhost` (`--web-allowed-hosts`).
    public var webAllowedHosts = AllowedHosts()
    /// The path prefix of the status page's routes (`--web-base-path`), "" at the root.
    public var webBasePath = WebBasePath()
    /// Serve the MCP tools at `/mcp` on the status page's server (`--mcp`; needs `webAddress`).
    public var mcp = false
    public var leaderElection: Bool
    public var logLevel: LogLevel
    public var logEncoding: LogEncoding
    public var kubeAPIQPS: Double
    public var kubeAPIBurst: Int
    /// Object label keys copied onto `flux_resource_info` as `label_<key>`.
    public var metricsObjectLabels: [String]
    /// Flux notification-controller URL events are forwarded to.
    public var eventsAddress: String?
    /// Export the pre-2.1 `gotk_*` compatibility series.
    public var gotkMetrics: Bool
    /// `gotk_resource_info` as flux2-monitoring-example's kube-state-metrics config produces it (`--metrics-gotk-resource-info`).
    public var gotkResourceInfo = false
    /// Staleness factor and optional per-object signal series.
    public var signals = SignalSettings()
    /// Bytes the compressed per-object series cache keeps at most (`--metrics-series-cache-size`);
    /// 0 keeps nothing.
    public var seriesCacheSize = defaultSeriesCacheSize
    /// `--metrics-series-cache-size`'s default (64 MiB).
    public static let defaultSeriesCacheSize = 64 << 20
    /// Pod name: the events' reporting instance and the leader-election identity prefix.
    public var podName: String
    /// How long a report for a pending `requestedAt` waits for caches to catch up with it before it
    /// is written without handling the request (Ready False naming the caches behind).
    public var requestCacheTimeout: Duration = .seconds(10)
    /// How long any other report waits for a cache whose watch is down (backing off, relisting)
    /// before writing that part as failed: long enough to ride out a routine reconnect.
    public var liveCacheTimeout: Duration = .seconds(5)

    public init(
        kubeconfigPath: String? = nil, context: String? = nil, namespace: String = "flux-system",
        reportingInterval: Duration = defaultReportingInterval, metricsAddress: ListenAddress = .anyInterface(port: 8080),
        healthAddress: ListenAddress = .anyInterface(port: 8081), leaderElection: Bool = false,
        logLevel: LogLevel = .info, logEncoding: LogEncoding = .json, kubeAPIQPS: Double = 50, kubeAPIBurst: Int = 300,
        metricsObjectLabels: [String] = [], eventsAddress: String? = nil, gotkMetrics: Bool = true,
        podName: String = ProcessInfo.processInfo.hostName
    ) {
        self.kubeconfigPath = kubeconfigPath
        self.context = context
        self.namespace = namespace
        self.reportingInterval = reportingInterval
        self.metricsAddress = metricsAddress
        self.healthAddress = healthAddress
        self.leaderElection = leaderElection
        self.logLevel = logLevel
        self.logEncoding = logEncoding
        self.kubeAPIQPS = kubeAPIQPS
        self.kubeAPIBurst = kubeAPIBurst
        self.metricsObjectLabels = metricsObjectLabels
        self.eventsAddress = eventsAddress
        self.gotkMetrics = gotkMetrics
        self.podName = podName
    }
}

extension OperatorConfiguration {
    /// `--web-addr`: `0` (or empty) turns the status page off; anything else is a listen address.
    public static func webAddress(parsing text: String) throws(ListenAddress.ParseError) -> ListenAddress? {
        if text == "0" || text.isEmpty { return nil }
        return try ListenAddress(parsing: text)
    }
}
