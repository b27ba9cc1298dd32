import ArgumentParser
import ControllerRuntime
import FluxReport
import Foundation

/// The operator's flags, shared by `flux-report-operator run` and `flux-report-demo` (one flag group,
/// one set of checks). The demo only changes some defaults, for a laptop: loopback addresses, a
/// one-minute interval and console logs.
public struct OperatorOptions: ParsableArguments {
    /// Values of the flags that were not given (and, for the interval, whose variable is not set).
    public struct Defaults: Sendable {
        public var metricsAddr = ":8080"
        public var healthAddr = ":8081"
        public var webAddr = ":9080"
        public var reportingInterval = OperatorConfiguration.defaultReportingInterval
        public var logEncoding = "json"

        public static let production = Defaults()
        public static let demo = Defaults(metricsAddr: "127.0.0.1:8080", healthAddr: "127.0.0.1:8081", webAddr: "127.0.0.1:9080",
                                          reportingInterval: .seconds(60), logEncoding: "console")
    }

    public init() {}

    @Option(help: "Namespace of the FluxReport and the Flux controllers. Default: $RUNTIME_NAMESPACE, the service-account namespace, then flux-system.")
    var namespace: String?

    @Option(name: .customLong("reporting-interval"), help: "Interval between reports (Go duration). Default: $REPORTING_INTERVAL, else 5m (the demo: 1m).")
    var reportingInterval: String?

    @Option(name: .customLong("metrics-addr"), help: "Address the Prometheus metrics endpoint binds to. Default: :8080 (the demo: 127.0.0.1:8080).")
    var metricsAddr: String?

    @Option(name: .customLong("health-addr"), help: "Address the health probe endpoint binds to. Default: :8081 (the demo: 127.0.0.1:8081).")
    var healthAddr: String?

    @Option(name: .customLong("web-addr"), help: "Address the read-only status page binds to; 0 turns it off. Default: :9080 (the demo: 127.0.0.1:9080).")
    var webAddr: String?

    @Option(name: .customLong("http-max-connections"), help: "Connections each of the metrics and status-page servers keeps open at most; more are closed at once (the health server has its own 64).")
    var httpMaxConnections = HTTPServerLimits.defaultMaxConnections
    @Option(name: .customLong("web-allowed-hosts"), help: "Comma-separated host names the status page answers besides IP addresses and localhost (an Ingress's host; *.example.com for every name under it). Other Host headers get 421.")
    var webAllowedHosts = ""
    @Option(name: .customLong("web-base-path"), help: "Path prefix the status page (and /mcp) is served under, for an Ingress that forwards /flux/... unchanged: /flux. Default: / (the root).")
    var webBasePath = ""
    @Flag(name: .customLong("mcp"), help: "Serve the read-only MCP diagnosis tools at /mcp on the status page's address (needs --web-addr).")
    var mcp = false

    @Flag(name: .customLong("enable-leader-election"), help: "Elect a leader through a Lease so only one replica writes.")
    var enableLeaderElection = false

    @Option(name: .customLong("log-level"), help: "Log verbosity: trace, debug, info, warning, error.")
    var logLevel = "info"

    @Option(name: .customLong("log-encoding"), help: "Log format: json or console. Default: json (the demo: console).")
    var logEncoding: String?

    @Option(name: .customLong("kube-api-qps"), help: "Maximum queries per second to the Kubernetes API.")
    var kubeAPIQPS: Double = 50

    @Option(name: .customLong("kube-api-burst"), help: "Maximum burst of queries to the Kubernetes API.")
    var kubeAPIBurst: Int = 300

    @Option(name: .customLong("metrics-object-labels"), help: "Comma-separated object label keys copied onto flux_resource_info as label_<key>.")
    var metricsObjectLabels = ""

    @Option(name: .customLong("events-addr"), help: "Flux notification-controller URL to forward events to.")
    var eventsAddr: String?

    @Flag(name: .customLong("disable-gotk-metrics"), help: "Do not export the gotk_reconcile_condition and gotk_suspend_status compatibility series.")
    var disableGotkMetrics = false

    @Option(name: .customLong("stale-interval-factor"), help: "An object is stale when nothing shows progress for this many times its spec.interval (integer 1-1000).")
    var staleIntervalFactor = "3"

    @Flag(name: .customLong("metrics-gotk-resource-info"), help: "Also export gotk_resource_info per Flux object, as flux2-monitoring-example's kube-state-metrics config does.")
    var metricsGotkResourceInfo = false

    @Flag(name: .customLong("metrics-ready-transitions"), help: "Also export flux_resource_ready_transitions per object that changed Ready (one more series per such object).")
    var metricsReadyTransitions = false

    @Option(name: .customLong("metrics-series-cache-size"), help: "Bytes of compressed per-object series kept between scrapes (Ki, Mi or Gi suffix); the least recently scraped are dropped over it. 0 keeps none.")
    var metricsSeriesCacheSize = "64Mi"

    /// Flags + environment → configuration (without the kubeconfig); every bad value is a `UsageError` (exit 2).
    public func resolve(environment: [String: String], serviceAccountNamespaceFile: String = ServiceAccount.namespaceFile,
                        defaults: Defaults = .production) throws -> OperatorConfiguration {
        var config = OperatorConfiguration()
        config.reportingInterval = defaults.reportingInterval
        let metricsAddr = self.metricsAddr ?? defaults.metricsAddr
        let healthAddr = self.healthAddr ?? defaults.healthAddr
        let webAddr = self.webAddr ?? defaults.webAddr
        let logEncoding = self.logEncoding ?? defaults.logEncoding
        config.namespace = try Self.resolveNamespace(flag: namespace, environment: environment, file: serviceAccountNamespaceFile)

        let intervalText = reportingInterval ?? environment["REPORTING_INTERVAL"].flatMap { $0.isEmpty ? nil : $0 }
        if let intervalText {
            guard let interval = try? GoDuration.parse(intervalText), interval > .zero else {
                let source = reportingInterval != nil ? "--reporting-interval" : "REPORTING_INTERVAL"
                throw UsageError("invalid \(source) \"\(intervalText)\": want a positive Go duration such as 30s, 5m or 1h30m")
            }
            config.reportingInterval = interval
        }
        guard let metrics = try? ListenAddress(parsing: metricsAddr) else {
            throw UsageError("invalid --metrics-addr \"\(metricsAddr)\": want host:port, e.g. :8080")
        }
        guard let health = try? ListenAddress(parsing: healthAddr) else {
            throw UsageError("invalid --health-addr \"\(healthAddr)\": want host:port, e.g. :8081")
        }
        config.metricsAddress = metrics
        config.healthAddress = health
        config.webAddress = try Self.parseWebAddress(webAddr)
        guard (1...1_000_000).contains(httpMaxConnections) else {
            throw UsageError("invalid --http-max-connections \(httpMaxConnections): want a whole number from 1 to 1000000")
        }
        config.httpLimits.maxConnections = httpMaxConnections
        do {
            config.webAllowedHosts = try AllowedHosts(parsing: webAllowedHosts)
        } catch {
            throw UsageError("invalid --web-allowed-hosts: \(error)")
        }
        do {
            config.webBasePath = try WebBasePath(parsing: webBasePath)
        } catch {
            throw UsageError("invalid --web-base-path \"\(webBasePath.prefix(140))\": \(error)")
        }
        if mcp, config.webAddress == nil {
            throw UsageError("--mcp serves /mcp on the status page's server: it needs --web-addr (not 0)")
        }
        config.mcp = mcp
        config.leaderElection = enableLeaderElection
        guard let level = LogLevel(flag: logLevel) else {
            throw UsageError("invalid --log-level \"\(logLevel)\": want one of trace, debug, info, warning, error")
        }
        guard let encoding = LogEncoding(rawValue: logEncoding.lowercased()) else {
            throw UsageError("invalid --log-encoding \"\(logEncoding)\": want json or console")
        }
        config.logLevel = level
        config.logEncoding = encoding
        guard kubeAPIQPS > 0, kubeAPIQPS.isFinite else {
            throw UsageError("invalid --kube-api-qps \(kubeAPIQPS): must be positive")
        }
        guard kubeAPIBurst > 0 else {
            throw UsageError("invalid --kube-api-burst \(kubeAPIBurst): must be positive")
        }
        config.kubeAPIQPS = kubeAPIQPS
        config.kubeAPIBurst = kubeAPIBurst
        config.metricsObjectLabels = try Self.parseLabelKeys(metricsObjectLabels)
        if let eventsAddr, !eventsAddr.isEmpty {
            guard let url = URL(string: eventsAddr), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                throw UsageError("invalid --events-addr \"\(eventsAddr)\": want an http(s) URL")
            }
            config.eventsAddress = eventsAddr
        }
        config.gotkMetrics = !disableGotkMetrics
        config.gotkResourceInfo = metricsGotkResourceInfo
        guard let factor = Int64(staleIntervalFactor.trimmingCharacters(in: .whitespaces)), (1...1000).contains(factor) else {
            throw UsageError("invalid --stale-interval-factor \"\(staleIntervalFactor)\": want a whole number from 1 to 1000, e.g. 3")
        }
        config.signals = SignalSettings(staleFactor: factor, perObjectTransitions: metricsReadyTransitions)
        guard let cacheSize = ByteQuantity.parse(metricsSeriesCacheSize.trimmingCharacters(in: .whitespaces)) else {
            throw UsageError("invalid --metrics-series-cache-size \"\(metricsSeriesCacheSize.prefix(40))\": want bytes as a whole number with an optional Ki, Mi or Gi suffix, e.g. 64Mi, or 0 to keep nothing")
        }
        config.seriesCacheSize = cacheSize
        if let pod = environment["POD_NAME"], !pod.isEmpty { config.podName = pod }
        return config
    }

    static func parseWebAddress(_ text: String) throws -> ListenAddress? {
        do {
            return try OperatorConfiguration.webAddress(parsing: text)
        } catch {
            throw UsageError("invalid --web-addr \"\(text)\": want host:port, e.g. :9080, or 0 to turn the status page off")
        }
    }

    static func resolveNamespace(flag: String?, environment: [String: String], file: String) throws -> String {
        if let flag {
            guard isDNSLabel(flag) else { throw UsageError("invalid --namespace \"\(flag)\": not a valid namespace name") }
            return flag
        }
        if let env = environment["RUNTIME_NAMESPACE"], !env.isEmpty {
            guard isDNSLabel(env) else { throw UsageError("invalid RUNTIME_NAMESPACE \"\(env)\": not a valid namespace name") }
            return env
        }
        if let data = FileManager.default.contents(atPath: file),
           let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), isDNSLabel(text) {
            return text
        }
        return "flux-system"
    }

    /// Kubernetes label keys: an optional DNS-subdomain prefix and a name of at most 63 characters.
    static func parseLabelKeys(_ text: String) throws -> [String] {
        var keys: [String] = []
        for raw in text.split(separator: ",") {
            let key = raw.trimmingCharacters(in: .whitespaces)
            if key.isEmpty { continue }
            let name = key.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? key
            let valid = key.split(separator: "/", omittingEmptySubsequences: false).count <= 2 && !name.isEmpty && name.count <= 63
                && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
            guard valid else { throw UsageError("invalid --metrics-object-labels key \"\(key)\": not a Kubernetes label key") }
            if !keys.contains(key) { keys.append(key) }
        }
        return keys
    }

    public static func isDNSLabel(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 63 && s.first != "-" && s.last != "-"
            && s.allSatisfy { ($0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" }
    }
}

public enum ServiceAccount {
    public static let namespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
}
