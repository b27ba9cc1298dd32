import ControllerRuntime
import FluxReport
import KubeCore

/// Fills a `ReportSnapshot` from the watch-fed caches, plus a few cheap GETs (`/version`, the
/// entitlement Secret — RBAC allows only `get` on it — and the sync Kustomization and its source).
/// No LIST: the Flux objects come from the caches.
///
/// Every part that cannot be read is recorded as failed, never as empty, so the report builder
/// keeps that part's last good value.
struct SnapshotReader: Sendable {
    let api: any KubeAPI
    let cache: ClusterCache
    /// Caches known to be behind the API server (see `ClusterCache.awaitCaches`): failed parts.
    var behind: [GroupVersionResource: String] = [:]
    /// With a clock reading (seconds since the Unix epoch), the snapshot carries the signal counts
    /// (at the cache's stale factor).
    var signalsAt: Int64?

    func read() async -> ReportSnapshot {
        var snapshot = readCaches()
        await readLookups(into: &snapshot)
        return snapshot
    }

    /// The parts that come from the caches alone (no request): CRDs, per-kind statistics,
    /// Deployments, Nodes, FluxInstances. The lookups keep `ReportSnapshot`'s defaults.
    func readCaches() -> ReportSnapshot {
        let namespace = cache.namespace
        var snapshot = ReportSnapshot(namespace: namespace)

        // CRDs and per-kind statistics. A cache that is not synced, or whose list/watch keeps
        // failing, is a failed part: the builder keeps the last good value and says so.
        if let problem = problem(cache.crds, "CustomResourceDefinition") {
            snapshot.crds = .failure(problem)
            snapshot.sourceCRD = .failed(problem)
        } else {
            let allCRDs = cache.crds.store.list()
            snapshot.crds = .success(allCRDs.filter(\.isReported))
            snapshot.sourceCRD = allCRDs.first { $0.name == FluxKinds.distributionCRD }.map { .found($0) } ?? .notFound
        }
        var stats: [String: PartResult<KindStats>] = [:]
        var summary = SignalSummary()
        var summaryComplete = true
        for (crd, informer) in cache.kinds {
            guard let informer else {
                stats[crd.groupKind] = .failure(PartError("\(crd.kind) cache not started"))
                continue
            }
            if let problem = problem(informer, crd.kind) {
                stats[crd.groupKind] = .failure(problem)
                summaryComplete = false
            } else {
                // The kind's aggregate, kept by its store from the watch events (O(1) in the number
                // of objects); computed from the objects only if it is missing, over a snapshot: the
                // watch keeps writing to the store during the scan.
                let read = informer.store.withIndex(KindIndex.self) { index in Self.read(&index.aggregate, signalsAt: signalsAt) }
                let (kindStats, examples, kindSignals) = read
                    ?? Self.scan(informer.store.list(), staleFactor: cache.staleFactor, signalsAt: signalsAt)
                stats[crd.groupKind] = .success(kindStats)
                if !examples.isEmpty { snapshot.failingExamples[crd.groupKind] = examples }
                if let kindSignals { summary.add(kindSignals) }
            }
        }
        snapshot.kindStats = stats
        // A kind that could not be read would undercount: keep the condition as it was.
        if signalsAt != nil, summaryComplete { snapshot.signals = summary }

        if let problem = problem(cache.deployments, "Deployment") {
            snapshot.deployments = .failure(problem)
        } else {
            snapshot.deployments = .success(cache.deployments.store.list().sorted { $0.name < $1.name })
        }
        if let problem = problem(cache.nodes, "Node") {
            snapshot.nodeCount = .failure(problem)
        } else {
            snapshot.nodeCount = .success(cache.nodes.store.count)
        }
        if let instances = cache.instances {
            if let problem = problem(instances, "FluxInstance") {
                snapshot.fluxInstances = .failure(problem)
            } else {
                snapshot.fluxInstances = .success(instances.store.list())
            }
        } else {
            snapshot.fluxInstances = .success([])
        }
        return snapshot
    }

    /// The kind's aggregate computed from its objects.
    private static func scan(_ items: [CachedFluxObject], staleFactor: Int64, signalsAt: Int64?)
        -> (KindStats, [FailingExample], SignalSummary?) {
        var aggregate = KindAggregate(objects: items.lazy.map(\.object), staleFactor: staleFactor)
        return Self.read(&aggregate, signalsAt: signalsAt)
    }

    /// What the report reads of one kind's aggregate.
    private static func read(_ aggregate: inout KindAggregate, signalsAt: Int64?) -> (KindStats, [FailingExample], SignalSummary?) {
        (aggregate.stats, aggregate.failingExamples(), signalsAt.map { aggregate.signals(now: $0) })
    }

    /// The parts read with cheap GETs (the server version, the entitlement Secret, the sync
    /// Kustomization and its source), concurrently; the sync lookup needs `fluxInstances` read first.
    func readLookups(into snapshot: inout ReportSnapshot) async {
        let namespace = cache.namespace
        async let version = serverVersion()
        async let entitlement = entitlementSecret(namespace: namespace)
        let instances = snapshot.fluxInstances
        async let sync = syncObjects(namespace: namespace, instances: instances)
        snapshot.serverVersion = await version
        snapshot.entitlement = await entitlement
        let (kustomization, source) = await sync
        snapshot.syncKustomization = kustomization
        snapshot.syncSource = source
    }

    private func serverVersion() async -> PartResult<ServerVersionInfo> {
        do {
            let v = try await api.serverVersion()
            return .success(ServerVersionInfo(gitVersion: v.gitVersion, platform: v.platform))
        } catch {
            return .failure(PartError(Self.describe(error)))
        }
    }

    private func entitlementSecret(namespace: String) async -> Lookup<EntitlementSecret> {
        await lookup(.secrets, namespace: namespace, name: FluxKinds.entitlementSecret) { EntitlementSecret(json: $0) }
    }

    /// The sync Kustomization (named by the first FluxInstance, else the namespace) and its source.
    private func syncObjects(namespace: String, instances: PartResult<[FluxInstanceInfo]>) async -> (Lookup<SyncKustomization>, Lookup<SyncSource>) {
        guard case .success(let instances) = instances else {
            return (.failed(PartError("FluxInstance cache unavailable")), .notFound)
        }
        let name = ClusterSync.kustomizationName(namespace: namespace, instances: instances)
        guard let kustomizations = resource(kind: "Kustomization", group: "kustomize.toolkit.fluxcd.io") else {
            return (.notFound, .notFound)
        }
        let kustomization = await lookup(kustomizations, namespace: namespace, name: name) { SyncKustomization(json: $0) }
        guard case .found(let sync) = kustomization, let ref = sync.sourceRef else {
            return (kustomization, .notFound)
        }
        guard let sources = resource(kind: ref.kind, group: "source.toolkit.fluxcd.io") else {
            return (kustomization, .notFound)
        }
        let source = await lookup(sources, namespace: ref.namespace, name: ref.name) { SyncSource(json: $0, kind: ref.kind) }
        return (kustomization, source)
    }

    /// The served resource of a discovered Flux kind, from the CRD cache.
    private func resource(kind: String, group: String) -> GroupVersionResource? {
        cache.kinds.first { $0.crd.kind == kind && $0.crd.group == group }?.crd.resource
    }

    private func lookup<T: Sendable>(_ resource: GroupVersionResource, namespace: String, name: String,
                                     _ transform: (JSONValue) -> T) async -> Lookup<T> {
        do {
            return .found(transform(try await api.get(resource, namespace: namespace, name: name)))
        } catch let error as KubeAPIError where error.reason == .notFound {
            return .notFound
        } catch {
            return .failed(PartError("\(resource.kind.isEmpty ? resource.resource : resource.kind) \(namespace)/\(name): \(Self.describe(error))"))
        }
    }

    /// Why a cache cannot be trusted right now, or nil.
    func problem<T>(_ informer: Informer<T>, _ kind: String) -> PartError? {
        if !informer.hasSynced { return PartError("\(kind) cache not synced") }
        // Freshness was judged against what this report needs (a running watch, or the state as
        // of a request): a cache that meets it is trusted even while its error count is high.
        if let why = behind[informer.resource] { return PartError("\(kind) \(why)") }
        return nil
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? KubeAPIError { return error.description }
        if error is CancellationError { return "cancelled" }
        return "\(error)"
    }
}
