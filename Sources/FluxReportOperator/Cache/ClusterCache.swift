import ControllerRuntime
import FluxReport
import KubeCore
import Logging

/// The watch-fed view of the cluster the report and the metrics are computed from.
///
/// - CRDs are watched; every CRD that `FluxCRD.isReported` gets an informer of `FluxObject`
///   projections, started when the CRD appears and stopped when it goes (or replaced when its
///   stored version changes) — Flux kinds are discovered, never hard-coded.
/// - Controller Deployments (namespace, `part-of=flux`), Nodes (count only), FluxInstances
///   (sync name) and the FluxReport itself are cached too.
/// After the initial LISTs nothing is listed again unless a watch expires (410) or fails.
public final class ClusterCache: Sendable {
    public let namespace: String
    public let informers: InformerSet
    public let crds: Informer<FluxCRD>
    public let deployments: Informer<DeploymentInfo>
    public let nodes: Informer<NodeMarker>
    public let report: Informer<CachedReport>

    private let api: any KubeAPI
    /// Object labels kept on the projections (`--metrics-object-labels`).
    private let objectLabels: ObjectLabelSelection
    private let gotkResourceInfo: Bool
    /// The stale factor the per-kind aggregates index deadlines with (`KindAggregate`).
    public let staleFactor: Int64
    private let logger: Logger
    private let state = LockedState(State())
    private let kindDiscovery = LockedState(())
    private let interner = StringInterner()
    /// A source: a cache-wide change that feeds the report and the status page (the kinds, a
    /// controller Deployment, the FluxInstances) or a cache started or stopped failing.
    public let changes = Broadcaster<ChangeReason>()
    /// A source: every Flux object change (live metrics, signals, the status page's feed), as the
    /// stores' boxes: a relist's batch is a pointer per object, not a copy of each.
    public let objectEvents = Broadcaster<InformerEvent<CachedFluxObject>>()

    private struct State {
        /// Kind informers by `Kind.group`, with the resource they watch.
        var kinds: [String: (crd: FluxCRD, resource: GroupVersionResource)] = [:]
        var instances: (informer: Informer<FluxInstanceInfo>, task: Task<Void, Never>)?
        var started = false
        /// Set once the first discovery after the CRD list has started the kind informers: until
        /// then `informers` is empty and would count as synced.
        var kindsDiscovered = false
    }

    public enum ChangeReason: Sendable, Equatable {
        case kindsChanged, deployment, instances
        /// A cache the report reads turned stale or recovered: Ready should say so now, not at
        /// the reconciler's next retry (which backs off up to the reporting interval).
        case cacheHealth
    }

    public init(api: any KubeAPI, namespace: String, objectLabels: ObjectLabelSelection = .none, gotkResourceInfo: Bool = false,
                staleFactor: Int64 = Signals.defaultStaleFactor, informers: InformerSet? = nil, logger: Logger) {
        self.api = api
        self.namespace = namespace
        self.objectLabels = objectLabels
        self.gotkResourceInfo = gotkResourceInfo
        self.staleFactor = staleFactor
        self.logger = logger
        self.informers = informers ?? InformerSet(api: api, logger: logger)
        let distributionCRD = FluxKinds.distributionCRD
        crds = Informer(api: api, resource: .customResourceDefinitions, logger: logger) { json in
            guard let crd = FluxCRD(json: json), crd.isReported || crd.name == distributionCRD else { return nil }
            return crd
        }
        deployments = Informer(
            api: api, resource: .deployments,
            options: WatcherOptions(namespace: namespace, labelSelector: FluxKinds.partOfSelector), logger: logger
        ) { DeploymentInfo(json: $0) }
        nodes = Informer(api: api, resource: .nodes, logger: logger) { _ in NodeMarker() }
        report = Informer(
            api: api, resource: FluxReportAPI.gvr,
            // One small object, and the way users ask for a report: after an outage it must notice
            // a `requestedAt` within seconds, not after a backoff grown to half a minute.
            options: WatcherOptions(namespace: namespace, fieldSelector: "metadata.name=\(FluxReportAPI.reportName)",
                                     backoff: Backoff(initial: .milliseconds(200), max: .seconds(5))),
            logger: logger
        ) { CachedReport(json: $0) }
    }

    /// Runs the informers until cancelled.
    public func run() async {
        // CRDs change rarely. The first list's events arrive as synced and start the kinds' informers;
        // the task below covers a CRD list with no Flux kinds in it.
        crds.addHandler(replay: false) { [weak self] _ in self?.reconcileKinds() }
        deployments.addHandler(replay: false) { [weak self] _ in self?.changes.publish(.deployment) }
        for informer: any AnyInformer in [crds, deployments, nodes] { watchHealth(informer) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.crds.run() }
            group.addTask { await self.deployments.run() }
            group.addTask { await self.nodes.run() }
            group.addTask { await self.report.run() }
            group.addTask {
                await self.crds.waitForSync()
                self.reconcileKinds()
            }
            await group.waitForAll()
        }
        await informers.stopAll()
        let instances = state.withLock { state -> Task<Void, Never>? in
            defer { state.instances = nil }
            return state.instances?.task
        }
        instances?.cancel()
    }

    /// True once the CRD list and every started informer have synced.
    public var hasSynced: Bool {
        crds.hasSynced && deployments.hasSynced && nodes.hasSynced && report.hasSynced
            && state.withLock { $0.kindsDiscovered && ($0.instances?.informer.hasSynced ?? true) } && informers.hasSynced
    }

    /// Waits until `hasSynced` (or cancellation).
    public func waitForSync() async {
        await crds.waitForSync()
        reconcileKinds()
        await deployments.waitForSync()
        await nodes.waitForSync()
        await report.waitForSync()
        await informers.waitForSync()
        let instances = state.withLock { $0.instances?.informer }
        await instances?.waitForSync()
    }

    /// LIST calls made by every informer so far (zero growth at steady state).
    public var listCount: Int {
        crds.listCount + deployments.listCount + nodes.listCount + report.listCount + informers.totalListCount
            + (state.withLock { $0.instances?.informer.listCount } ?? 0)
    }

    /// The discovered kinds with their informers, sorted by `apiVersion + kind`.
    public var kinds: [(crd: FluxCRD, informer: Informer<CachedFluxObject>?)] {
        let kinds = state.withLock { Array($0.kinds.values) }
        return kinds
            .map { (crd: $0.crd, informer: informers.informer(for: $0.resource, as: CachedFluxObject.self)) }
            .sorted { ($0.crd.apiVersion ?? "") + $0.crd.kind < ($1.crd.apiVersion ?? "") + $1.crd.kind }
    }

    /// The FluxInstances of the namespace, when their CRD exists.
    public var instances: Informer<FluxInstanceInfo>? { state.withLock { $0.instances?.informer } }

    // MARK: - Freshness

    /// Every cache the report reads (the FluxReport's own cache aside).
    public var reportedCaches: [any AnyInformer] {
        var all: [any AnyInformer] = [crds, deployments, nodes]
        all += informers.all
        if let instances { all.append(instances) }
        return all
    }

    /// Waits until every reported cache satisfies `requirement`, at most `timeout`; returns the
    /// caches still behind, by resource, with why. For a request, caches that cannot prove they are
    /// current are asked to relist once (skipping a retry backoff: someone asked for fresh data).
    public func awaitCaches(_ requirement: CacheRequirement, timeout: Duration) async -> [GroupVersionResource: String] {
        let deadline = ContinuousClock.now + timeout
        var asked: Set<GroupVersionResource> = []
        while true {
            // Versions noted before the check: a cache that moves after it ends the wait below.
            let caches = reportedCaches.map { (informer: $0, seen: $0.freshnessChanges.version) }
            let behind = caches.filter { !$0.informer.satisfies(requirement) }
            if behind.isEmpty { return [:] }
            if case .asOf(let instant, _) = requirement {
                for (informer, _) in behind where asked.insert(informer.resource).inserted {
                    logger.trace("cache behind a request", metadata: [
                        "resource": "\(informer.resource)", "requirement": "\(requirement)", "now": "\(ContinuousClock.now)"])
                    informer.requestRelist(after: instant)
                }
            }
            // Riding out a reconnect is worth a wait; an outage (a cache already failing) is not.
            let outage = requirement == .live && behind.allSatisfy { $0.informer.failure != nil }
            if outage || ContinuousClock.now >= deadline || Task.isCancelled {
                var out: [GroupVersionResource: String] = [:]
                for (informer, _) in behind {
                    let why = !informer.hasSynced ? "not synced"
                        : informer.failure ?? informer.lastError.map { "watch failed: \($0)" } ?? "still catching up"
                    out[informer.resource] = "cache behind the API server: \(why)"
                }
                return out
            }
            // Until one of them moves (a watch accepted, a LIST or an event applied, health flipped).
            await ChangeSignal.waitForAny(behind.map { ($0.informer.freshnessChanges, $0.seen) }, until: deadline)
        }
    }

    // MARK: - Kind discovery

    /// Starts informers for new Flux kinds and stops those whose CRD went away or changed version.
    func reconcileKinds() {
        guard crds.hasSynced else { return }
        kindDiscovery.withLock { _ in reconcileKindsLocked() }
    }

    /// Serialized: CRD events and the initial sync may both ask for discovery at once.
    private func reconcileKindsLocked() {
        let wanted = Dictionary(
            crds.store.list().filter(\.isReported).compactMap { crd in crd.resource.map { (crd.groupKind, (crd: crd, resource: $0)) } },
            uniquingKeysWith: { first, _ in first })
        let (toStart, toStop, changed) = state.withLock { state -> ([(crd: FluxCRD, resource: GroupVersionResource)], [GroupVersionResource], Bool) in
            var toStart: [(crd: FluxCRD, resource: GroupVersionResource)] = []
            var toStop: [GroupVersionResource] = []
            for (key, current) in state.kinds where wanted[key]?.resource != current.resource {
                toStop.append(current.resource)
                state.kinds.removeValue(forKey: key)
            }
            for (key, entry) in wanted where state.kinds[key] == nil {
                toStart.append(entry)
                state.kinds[key] = entry
            }
            var changed = !toStart.isEmpty || !toStop.isEmpty
            for (key, entry) in wanted where state.kinds[key]?.crd != entry.crd {
                state.kinds[key] = entry  // labels or stored versions list changed, same resource
                changed = true
            }
            return (toStart, toStop, changed)
        }
        for resource in toStop {
            logger.info("stopping informer for removed Flux kind", metadata: ["resource": "\(resource)"])
            if let informer = informers.informer(for: resource, as: CachedFluxObject.self) {
                // Series of a vanished kind go away with it (as Deleted for the gotk compatibility series).
                let deleted = informer.store.list().map { InformerEvent<CachedFluxObject>.deleted($0) }
                objectEvents.publish { deleted }
            }
            informers.stop(resource)
            if resource.kind == "FluxInstance" { stopInstances() }
        }
        for entry in toStart {
            startKind(entry.crd, resource: entry.resource)
        }
        state.withLock { $0.kindsDiscovered = true }
        if changed { changes.publish(.kindsChanged) }
    }

    private func startKind(_ crd: FluxCRD, resource: GroupVersionResource) {
        logger.info("starting informer for Flux kind", metadata: ["kind": "\(crd.kind)", "resource": "\(resource)"])
        let kind = crd.kind
        let apiVersion = crd.apiVersion
        let (keepLabels, gotkResourceInfo) = (objectLabels.keys, self.gotkResourceInfo)
        let interner = self.interner
        let informer: Informer<CachedFluxObject>? = informers.start(resource, listTransform: { node in
            CachedFluxObject.project(node, kind: kind, apiVersion: apiVersion, keepLabels: keepLabels, gotkResourceInfo: gotkResourceInfo, interner: interner)
        }) { json in
            CachedFluxObject.project(json, kind: kind, apiVersion: apiVersion, keepLabels: keepLabels, gotkResourceInfo: gotkResourceInfo, interner: interner)
        }
        guard let informer else { return }
        // The report's per-kind aggregates, kept by the store itself (built from whatever the
        // informer has listed already, then kept in step under the store's lock).
        if informer.store.withIndex(KindIndex.self, { _ in true }) == nil {
            informer.store.setIndex(KindIndex(aggregate: KindAggregate(staleFactor: staleFactor)))
        }
        watchHealth(informer)
        // In batches: a relist's million events cross each subscriber's lock once.
        informer.addBatchHandler(replay: false) { [weak self] events in
            self?.objectEvents.publish { events }
        }
        if kind == "FluxInstance" { startInstances(resource) }
    }

    private func watchHealth(_ informer: any AnyInformer) {
        let resource = informer.resource  // not the informer: its own handler must not retain it
        informer.onHealthChange { [weak self] failing in
            self?.logger.debug("cache health changed", metadata: ["resource": "\(resource)", "failing": "\(failing)"])
            self?.changes.publish(.cacheHealth)
        }
    }

    private func startInstances(_ resource: GroupVersionResource) {
        let informer = Informer<FluxInstanceInfo>(
            api: api, resource: resource, options: WatcherOptions(namespace: namespace), logger: logger
        ) { FluxInstanceInfo(json: $0) }
        informer.addHandler(replay: false) { [weak self] _ in self?.changes.publish(.instances) }
        watchHealth(informer)
        let task = Task { await informer.run() }
        let previous = state.withLock { state -> Task<Void, Never>? in
            defer { state.instances = (informer, task) }
            return state.instances?.task
        }
        previous?.cancel()
    }

    private func stopInstances() {
        let task = state.withLock { state -> Task<Void, Never>? in
            defer { state.instances = nil }
            return state.instances?.task
        }
        task?.cancel()
    }
}
