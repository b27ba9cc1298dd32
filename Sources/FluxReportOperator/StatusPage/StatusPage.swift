import ControllerRuntime
import FluxReport
import Foundation
import Hummingbird
import KubeCore
import Logging

/// The status page (`--web-addr`): a live, read-only web view of the Flux objects and the report,
/// served from this replica's caches (leader or not). See docs/architecture.md, "Status page".
final class StatusPage: Sendable {
    let data: StatusPageData
    let server: RuntimeHTTPServer
    private let logger: Logger

    init(address: ListenAddress, limits: HTTPServerLimits = HTTPServerLimits(), allowedHosts: AllowedHosts = AllowedHosts(),
         basePath: WebBasePath = WebBasePath(), api: any KubeAPI, cache: ClusterCache, feed: ChangeFeed,
         tracker: SignalTracker = SignalTracker(), mcp: Bool = false, logger: Logger) {
        data = StatusPageData(api: api, cache: cache, feed: feed, tracker: tracker, mcp: mcp, logger: logger)
        let gate = StatusPageGate(hosts: allowedHosts, limiter: ClientRateLimiter())
        server = RuntimeHTTPServer(address: address, router: StatusPageRoutes.router(page: data, gate: gate, basePath: basePath),
                                   limits: limits, logger: logger)
        self.logger = logger
    }

    /// Serves until cancelled. A port that cannot be bound fails the operator's start
    /// (`RuntimeHTTPServer.BindError`), as for the other servers.
    func run() async throws {
        let report = data.report
        let refresh = Task { await report.run() }
        defer { refresh.cancel() }
        do {
            try await withTaskCancellationHandler {
                try await server.run()
            } onCancel: { [streams = data.streams] in
                // Open event streams would otherwise hold the server's graceful shutdown open.
                streams.close()
            }
        } catch {
            if Task.isCancelled { return }
            throw error
        }
    }
}

/// What the diagnosis endpoints compute (`StatusPageData.answers`).
enum DiagnosisRequest: Hashable, Sendable {
    case resource(ResourceKey)
    case graph(GraphQuery)
    case rootCauses(Int)
}

/// What the status page shows, read from the caches: the routes' only source.
struct StatusPageData: Sendable {
    /// The page's heavy work (reports, list pages) runs here, on one thread of its own at a lower
    /// priority: many clients at once use at most one core, never the cooperative pool's threads,
    /// and yield to `/healthz`, watches and reconciles when the cores are busy.
    static let executor = DedicatedExecutor(name: "status-page", niceness: 10)

    let cache: ClusterCache
    let feed: ChangeFeed
    let report: LiveReport
    let streams: EventStreams
    /// List pages as sent (JSON), one computation per query, cache version and clock epoch.
    let listings = SharedComputation<Epoched<ResourceQuery>, [UInt8]>(executor: StatusPageData.executor)
    /// `/api/v1/problems` as sent, one computation per limit, cache version and `DiagnosisCache.maxAgeSeconds`
    /// seconds (staleness and "since" move with the clock).
    let problemPages = SharedComputation<Epoched<Int>, [UInt8]>(executor: StatusPageData.executor, capacity: 8)
    /// The operator's signal history (failing since, flips, suspended since) and the diagnosis of
    /// the caches, shared with the `/mcp` tools.
    let view: FluxView
    /// `--mcp`: `/mcp` is served beside the page (`MCPRoute`).
    let mcp: Bool

    /// Object pages and graphs as sent (JSON; nil: no such object), one computation per request,
    /// cache version and clock epoch.
    let answers = SharedComputation<Epoched<DiagnosisRequest>, [UInt8]?>(executor: StatusPageData.executor)

    /// A request in one `DiagnosisCache.maxAgeSeconds` step of the clock: answers show ages and
    /// staleness, so a new step computes them again, as a new cache version does.
    struct Epoched<Request: Hashable & Sendable>: Hashable, Sendable {
        var request: Request
        var epoch: Int64

        init(_ request: Request, now: Int64) {
            self.request = request
            epoch = now / DiagnosisCache.maxAgeSeconds
        }
    }

    init(api: any KubeAPI, cache: ClusterCache, feed: ChangeFeed, streams: EventStreams? = nil,
         tracker: SignalTracker = SignalTracker(), mcp: Bool = false, logger: Logger) {
        self.cache = cache
        self.feed = feed
        report = LiveReport(api: api, cache: cache, feed: feed, executor: Self.executor, logger: logger)
        self.streams = streams ?? EventStreams(feed: feed)
        view = FluxView(cache: cache, tracker: tracker, feed: feed, report: report)
        self.mcp = mcp
    }

    /// `/api/v1/problems`: the diagnosis's problems (docs/diagnosis.md, Problems), each list cut to
    /// `limit` with the rest counted, as `DiagnosisDocument.problems` writes them for `-o json`.
    func problems(limit: Int) async -> [UInt8] {
        await problemPages.value(for: Epoched(limit, now: view.now()), version: feed.version) { [view] in
            let diagnosis = view.diagnosis()
            var problems = diagnosis.problems()
            problems.rootCauses = FluxTools.first(limit, of: problems.rootCauses)
            problems.failing = FluxTools.first(limit, of: problems.failing)
            problems.stale = FluxTools.first(limit, of: problems.stale)
            problems.drifted = FluxTools.first(limit, of: problems.drifted)
            problems.longSuspended = FluxTools.first(limit, of: problems.longSuspended)
            return DiagnosisDocument.problems(problems, now: diagnosis.now).json.serialized()
        }
    }

    /// `/api/v1/overview`: the report (spec and status as written), when it was computed, the
    /// parts that failed, recent report events and recent object transitions.
    func overview() async -> JSONValue {
        let computed = await report.current()
        let result = computed.result
        return [
            "spec": result.spec.document.json,
            "status": result.status.document.json,
            "computedAt": .string(Timestamp.rfc3339(secondsSinceEpoch: computed.computedAt)),
            "namespace": .string(cache.namespace),
            "failures": .array(result.failures.map { ["part": .string($0.part), "error": .string($0.error)] }),
            "events": .array(report.events.map(\.json)),
            "transitions": .array(feed.transitions(limit: 20).map(\.json)),
            "cachesSynced": .bool(cache.hasSynced),
            "eventStreams": .int(Int64(streams.openStreams)),
            // The caches' change counter and the reports computed: one report per version at most.
            "version": .int(Int64(truncatingIfNeeded: feed.version)),
            "reportComputations": .int(Int64(report.computations)),
        ]
    }

    /// One page of the object list with each row's state, serialized: shared by every request for
    /// the same query while it is computed, reused until the caches change or `DiagnosisCache.maxAgeSeconds`
    /// seconds pass (states and their times move with the clock).
    func resources(_ query: ResourceQuery) async -> [UInt8] {
        let now = view.tracker.now()
        return await listings.value(for: Epoched(query, now: now), version: feed.version) { [self] in
            listing(query, now: now).json(state: rowStates(now: now)).serialized()
        }
    }

    /// Each row's state as the signal series show it (`Signals.evaluate` with the operator's history
    /// and the roots `DependencyRoots` finds in the caches, as `SignalsCollector` does) and in words
    /// (`DiagnosisWords`): for the rows of one page only, not the fleet's `Diagnosis`.
    func rowStates(now: Int64) -> (FluxObject) -> (state: String, summary: String) {
        let history = view.tracker.snapshot.entries
        let factor = cache.staleFactor
        var resolver = DependencyRoots { text in ObjectKey(parsing: text).flatMap { cached(ResourceKey(kind: $0.kind, namespace: $0.namespace, name: $0.name)) } }
        return { object in
            let entry = history.isEmpty ? nil : history[SignalTracker.key(object)]
            let waiting = object.ready == .false && object.reason == DependencyRoots.dependencyNotReady && !object.suspended
            let signals = Signals.evaluate(object, history: entry, now: now, factor: factor, roots: waiting ? resolver.roots(of: object) : [])
            return (signals.state?.rawValue ?? "", DiagnosisWords.state(object, signals, flips: entry?.transitions ?? 0, now: now))
        }
    }

    /// The page computed from the caches. Each store's lock is held only to copy its objects'
    /// references (no filtering or sorting under it: watch events wait for that lock).
    func listing(_ query: ResourceQuery, now: Int64) -> ResourcePage {
        var builder = ResourcePageBuilder<CachedFluxObject>(query: query, now: now, staleFactor: cache.staleFactor)
        for (kind, informers) in kindInformers() where builder.wants(kind: kind) {
            // One kind name served by two groups: added together, so the page stays in order.
            builder.add(kind: kind, objects: informers.flatMap { $0.store.list() })
        }
        return builder.finish()
    }

    /// The object page's data, or nil when no cache holds it: the list row, what the metrics
    /// export about it, its recent transitions and its diagnosis (`DiagnosisDocument.explanation`,
    /// dependencies and dependents cut to `DiagnosisSettings().items`).
    func resource(_ key: ResourceKey) async -> [UInt8]? {
        await answers.value(for: Epoched(.resource(key), now: view.now()), version: feed.version) { [self] in
            resourceJSON(key, diagnosis: view.diagnosis())?.serialized()
        }
    }

    func resourceJSON(_ key: ResourceKey, diagnosis: Diagnosis) -> JSONValue? {
        let objectKey = ObjectKey(kind: key.kind, namespace: key.namespace, name: key.name)
        guard let i = diagnosis.graph.node(objectKey), var explanation = diagnosis.explain(objectKey) else { return nil }
        let items = DiagnosisSettings().items
        explanation.dependencies = explanation.dependencies.prefix(items)
        explanation.dependents = explanation.dependents.prefix(items)
        var out = diagnosis.graph.objects[i].detailJSON
        out["transitions"] = .array(feed.transitions(of: key, limit: 20).map(\.json))
        out["diagnosis"] = DiagnosisDocument.explanation(explanation, now: diagnosis.now).json
        return out
    }

    /// `/api/v1/graph`: the object's neighbourhood; nil when there is no such object.
    func graph(_ query: GraphQuery) async -> [UInt8]? {
        await answers.value(for: Epoched(.graph(query), now: view.now()), version: feed.version) { [view] in
            let diagnosis = view.diagnosis()
            guard let key = query.key,
                  let found = diagnosis.neighbourhood(ObjectKey(kind: key.kind, namespace: key.namespace, name: key.name), limit: query.limit)
            else { return nil }
            return DiagnosisDocument.neighbourhood(found, now: diagnosis.now).json.serialized()
        }
    }

    /// `/api/v1/rootcauses`: the root causes and what each blocks.
    func rootCauses(_ query: GraphQuery) async -> [UInt8] {
        let answer = await answers.value(for: Epoched(.rootCauses(query.limit), now: view.now()), version: feed.version) { [view] in
            let diagnosis = view.diagnosis()
            return DiagnosisDocument.rootCauseMap(diagnosis.rootCauseMap(limit: query.limit), now: diagnosis.now).json.serialized()
        }
        return answer ?? []
    }

    /// The cached object with this key, if a cache holds it.
    func cached(_ key: ResourceKey) -> FluxObject? {
        let storeKey = key.namespace.isEmpty ? key.name : "\(key.namespace)/\(key.name)"
        for (crd, informer) in cache.kinds where crd.kind == key.kind {
            if let cached = informer?.store.get(storeKey) { return cached.object }
        }
        return nil
    }

    /// The kinds' informers by kind name, sorted by kind.
    private func kindInformers() -> [(kind: String, informers: [Informer<CachedFluxObject>])] {
        var byKind: [String: [Informer<CachedFluxObject>]] = [:]
        for (crd, informer) in cache.kinds {
            guard let informer else { continue }
            byKind[crd.kind, default: []].append(informer)
        }
        return byKind.keys.sorted().map { (kind: $0, informers: byKind[$0] ?? []) }
    }
}
