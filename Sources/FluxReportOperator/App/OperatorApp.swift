import ControllerRuntime
import FluxReport
import Foundation
import KubeClient
import KubeCore
import Logging

/// The operator: the runtime's `Manager` running the watch-fed cluster cache, the FluxReport
/// controller (leader only), the event recorder and the metrics of docs/monitoring.md, Metrics reference.
public final class OperatorApp: Sendable {
    public static let controllerName = "fluxreport"
    public static let leaseName = "flux-report-operator"

    public let configuration: OperatorConfiguration
    public let manager: Manager
    public let cache: ClusterCache
    let recorder: EventRecorder
    let reconciler: ReportReconciler
    private let logger: Logger
    /// The status page, when `webAddress` is set.
    let statusPage: StatusPage?

    public init(configuration: OperatorConfiguration, api: any KubeAPI, registry: MetricsRegistry, logger: Logger = Logger(label: "flux-report-operator")) {
        self.configuration = configuration
        self.logger = logger
        let leaderElection = configuration.leaderElection
            ? LeaderElector.Configuration(leaseName: Self.leaseName, namespace: configuration.namespace,
                                          identity: "\(configuration.podName)_\(UUID().uuidString.prefix(8).lowercased())")
            : nil
        manager = Manager(api: api, options: Manager.Options(
            metricsAddress: configuration.metricsAddress, healthAddress: configuration.healthAddress,
            leaderElection: leaderElection, metricsLimits: configuration.httpLimits), registry: registry, logger: logger)
        let elector = manager.leaderElector
        let isLeader: @Sendable () -> Bool = { elector?.isLeader ?? true }

        // The status page's view of changes; fed by the same cache sources as the reports and metrics.
        let feed = configuration.webAddress.map { _ in ChangeFeed() }
        // Objects are projected with the same de-duplicated label selection the metrics render.
        let objectLabels = ObjectLabelSelection(keys: configuration.metricsObjectLabels)
        cache = ClusterCache(
            api: api, namespace: configuration.namespace, objectLabels: objectLabels,
            gotkResourceInfo: configuration.gotkResourceInfo,
            staleFactor: configuration.signals.staleFactor, informers: manager.informers, logger: logger)
        let metrics = FluxObjectMetrics(cache: cache, objectLabels: objectLabels, gotk: configuration.gotkMetrics,
                                        gotkResourceInfo: configuration.gotkResourceInfo, signals: configuration.signals,
                                        seriesCacheBudget: configuration.seriesCacheSize, isLeader: isLeader)
        cache.objectEvents.addBatchHandler { events in
            metrics.objectEvents(events)
            feed?.objectEvents(events)
        }
        let reportMetrics = ReportMetrics(isLeader: isLeader)
        registry.register(collector: metrics.objects)
        registry.register(collector: reportMetrics)
        registry.register(collector: metrics.signals)
        if let gotkResourceInfo = metrics.gotkResourceInfo {
            registry.register(collector: gotkResourceInfo)
        }
        // After the collectors that fill the cache: a scrape reports what it kept and dropped.
        registry.register(collector: metrics.seriesCache)
        registry.gauge("flux_operator_info", help: "Information about the flux-report-operator.", labels: [
            ("version", BuildInfo.version), ("api_version", BuildInfo.apiVersion), ("platform", BuildInfo.platform),
        ]).set(Double(1))

        let forwarder = configuration.eventsAddress.map {
            NotificationForwarder(sender: WebhookSender(url: $0), reportingController: ReportReconciler.fieldManager,
                                  reportingInstance: configuration.podName, logger: logger)
        }
        recorder = EventRecorder(api: api, options: EventRecorder.Options(
            reportingController: ReportReconciler.fieldManager, reportingInstance: configuration.podName),
            sink: forwarder, logger: logger)
        reconciler = ReportReconciler(api: api, cache: cache, configuration: configuration, recorder: recorder,
                                      reportMetrics: reportMetrics, logger: logger, isLeader: isLeader)

        let cache = self.cache
        manager.health.addReadinessCheck("flux-caches") { cache.hasSynced }
        manager.add(RunnableFunc { await cache.run() }, needsLeaderElection: false)
        manager.add(RunnableFunc { [recorder] in await recorder.run() }, needsLeaderElection: false)
        if let address = configuration.webAddress, let feed {
            // Every replica serves it from its own caches: not leader-only.
            let page = StatusPage(address: address, limits: configuration.httpLimits, allowedHosts: configuration.webAllowedHosts,
                                  basePath: configuration.webBasePath, api: api, cache: cache, feed: feed, tracker: metrics.tracker,
                                  mcp: configuration.mcp, logger: logger)
            let report = page.data.report
            cache.changes.addHandler { reason in
                feed.touch()
                if [.instances, .kindsChanged].contains(reason) { report.lookupsChanged() }
            }
            let syncPair = reconciler.syncPair
            cache.objectEvents.addBatchHandler { events in
                if syncPair.touches(events) { report.lookupsChanged() }
            }
            statusPage = page
            manager.add(RunnableFunc { try await page.run() }, needsLeaderElection: false)
        } else {
            statusPage = nil
        }
        manager.add(RunnableFunc { [weak self] in await self?.runController() }, needsLeaderElection: true)
    }

    /// Leader only: a fresh controller for each term of leadership, started once the caches synced,
    /// with a first report at once (which also creates the FluxReport when it is missing).
    private func runController() async {
        await cache.waitForSync()
        if Task.isCancelled { return }
        let controller = Controller<String>(name: Self.controllerName, reconciler: reconciler, maxConcurrentReconciles: 1,
                                            registry: manager.registry, logger: logger)
        let sources = reconciler.triggers.watch(into: controller)
        controller.enqueue(FluxReportAPI.reportName)
        logger.info("caches synced; reporting", metadata: ["namespace": "\(configuration.namespace)"])
        await controller.run()
        for source in sources { source.cancel() }
        // Leadership ended (this runnable is cancelled when it is lost): the in-memory last report
        // may be outdated by the time this replica leads again.
        reconciler.resetState()
    }

    /// The operator connected to the cluster its configuration names (kubeconfig, context, QPS and
    /// burst), counting its API requests in its own registry. A bad kubeconfig is a `UsageError`.
    public static func connect(configuration: OperatorConfiguration, logger: Logger) throws -> (app: OperatorApp, api: KubernetesClient, server: String) {
        var clientConfiguration = try ClientConfiguration.loadOrUsageError(kubeconfigPath: configuration.kubeconfigPath, context: configuration.context)
        clientConfiguration.qps = configuration.kubeAPIQPS
        clientConfiguration.burst = configuration.kubeAPIBurst
        let registry = MetricsRegistry(logger: logger)
        let api = KubernetesClient(configuration: clientConfiguration, observer: RESTClientMetrics(registry: registry))
        return (OperatorApp(configuration: configuration, api: api, registry: registry, logger: logger), api, clientConfiguration.server)
    }

    /// Loads the client configuration, bootstraps logging and runs until SIGTERM/SIGINT.
    public static func run(configuration: OperatorConfiguration) async throws {
        RuntimeLogHandler.bootstrap(encoding: configuration.logEncoding == .json ? .json : .console,
                                    level: configuration.logLevel.swiftLogLevel)
        let logger = Logger(label: "flux-report-operator")
        DescriptorLimit.raiseToHard(logger: logger)
        let (app, api, server) = try connect(configuration: configuration, logger: logger)
        logger.info("starting flux-report-operator", metadata: [
            "version": "\(BuildInfo.version)", "namespace": "\(configuration.namespace)", "server": "\(server)",
            "reportingInterval": "\(configuration.reportingInterval)", "leaderElection": "\(configuration.leaderElection)",
        ])
        let check = Task { await checkAccess(api: api, server: server, logger: logger) }
        defer { check.cancel() }
        try await app.manager.runUntilSignalled()
        logger.info("stopped")
    }

    /// At start-up, one LIST of a CRD: a kubeconfig or service account that cannot work (401, 403,
    /// TLS, nothing listening) is logged at error level with its cause, once and at once, rather than
    /// only as informers retrying. The operator keeps running: RBAC or a certificate may be fixed
    /// while it waits.
    static func checkAccess(api: KubernetesClient, server: String, logger: Logger) async {
        do {
            _ = try await api.list(.customResourceDefinitions, namespace: nil, options: ListOptions(limit: 1))
            logger.debug("API server reachable and CRDs readable", metadata: ["server": "\(server)"])
        } catch let error as KubeAPIError {
            if Task.isCancelled { return }
            logger.error("cannot use the API server; retrying", metadata: [
                "error": "\(error.summary(server: server, verb: "list", resource: "customresourcedefinitions.apiextensions.k8s.io"))",
            ])
        } catch {
            if Task.isCancelled { return }
            logger.error("cannot use the API server; retrying", metadata: ["error": "\(error)"])
        }
    }
}
