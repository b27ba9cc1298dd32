import ControllerRuntime
import FluxReport
import Foundation
import Hummingbird
import KubeClient
import KubeCore
import Logging

/// The status page (`--web-addr`): a live, read-only web view of the Flux objects and the report,
/// served from this replica's caches (leader or not). See docs/architecture.md, "Status page".
final class StatusPage: Sendable {
    let data: StatusPageData
    let server: RuntimeHTTPServer
    private let logger: Logger

    init(address: ListenAddress, api: any KubeAPI, cache: ClusterCache, feed: ChangeFeed, mcp: SignalTracker? = nil, logger: Logger) {
        data = StatusPageData(cache: cache, feed: feed, report: LiveReport(api: api, cache: cache, feed: feed, logger: logger),
                              streams: EventStreams(feed: feed), mcp: mcp)
        server = RuntimeHTTPServer(address: address, router: StatusPageRoutes.router(page: data), logger: logger)
        self.logger = logger
    }

    /// Serves until cancelled. A port that cannot be bound is logged, not fatal: the page is a view,
    /// the report and the metrics must go on without it.
    func run() async {
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
            logger.error("status page not served", metadata: ["address": "\(server.address)", "error": "\(error)"])
        }
    }
}

/// What the status page shows, read from the caches: the routes' only source.
struct StatusPageData: Sendable {
    let cache: ClusterCache
    let feed: ChangeFeed
    let report: LiveReport
    let streams: EventStreams
    /// With `--mcp`: the signal history the `/mcp` tools read besides the above (`MCPRoute`).
    var mcp: SignalTracker? = nil

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
        ]
    }

    /// One page of the object list, read kind by kind under each store's lock (no copy of the fleet).
    func resources(_ query: ResourceQuery) -> ResourcePage {
        var builder = ResourcePageBuilder<CachedFluxObject>(query: query)
        for (kind, informers) in kindInformers() where builder.wants(kind: kind) {
            if informers.count == 1, let informer = informers.first {
                informer.store.withItems { builder.add(kind: kind, objects: $0.values) }
            } else {
                // One kind name served by two groups: added together, so the page stays in order.
                builder.add(kind: kind, objects: informers.flatMap { $0.store.list() })
            }
        }
        return builder.finish()
    }

    /// The object page's data, or nil when no cache holds it.
    func resource(_ key: ResourceKey) -> JSONValue? {
        let storeKey = key.namespace.isEmpty ? key.name : "\(key.namespace)/\(key.name)"
        for informer in kindInformers().first(where: { $0.kind == key.kind })?.informers ?? [] {
            guard let cached = informer.store.get(storeKey) else { continue }
            var out = cached.object.detailJSON
            out["transitions"] = .array(feed.transitions(of: key, limit: 20).map(\.json))
            return out
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
