import ControllerRuntime
import FluxReport
import Foundation
import KubeClient
import KubeCore
import Logging

/// The tools of `flux-report-operator mcp`: the diagnosis tools over one kubeconfig context at a
/// time, and the two context tools that list the contexts and switch to another.
///
/// A context's cluster is read as the operator reads it: one LIST per Flux kind (and the CRDs,
/// controller Deployments, Nodes), then kept current by watches while the session is on it, so
/// answers are as fresh as the watches (seconds) without a LIST per call. Switching stops the old
/// context's watches and starts the new one's.
final class ContextSession: ToolProvider {
    static let accessTimeout: Duration = .seconds(10)
    static let syncTimeout: Duration = .seconds(30)

    let kubeconfigPath: String?
    let namespace: String
    private let logger: Logger
    private let current = LockedState<Cluster?>(nil)

    /// One context's caches and the tasks that keep them current.
    final class Cluster: Sendable {
        let context: String
        let server: String
        let api: KubernetesClient
        let view: FluxView
        private let tasks: [Task<Void, Never>]

        init(context: String, configuration: ClientConfiguration, namespace: String, logger: Logger) {
            self.context = context
            server = configuration.server
            api = KubernetesClient(configuration: configuration)
            let cache = ClusterCache(api: api, namespace: namespace, logger: logger)
            let tracker = SignalTracker()
            let feed = ChangeFeed()
            let report = LiveReport(api: api, cache: cache, feed: feed, executor: StatusPageData.executor, logger: logger)
            // As the operator wires them: the history and the transitions from every object change.
            cache.objectEvents.addBatchHandler { events in
                tracker.objectEvents(events)
                feed.objectEvents(events)
            }
            cache.changes.addHandler { reason in
                feed.touch()
                if [.instances, .kindsChanged].contains(reason) { report.lookupsChanged() }
            }
            view = FluxView(cache: cache, tracker: tracker, feed: feed, report: report)
            tasks = [Task { await cache.run() }, Task { await report.run() }]
        }

        func stop() { for task in tasks { task.cancel() } }
    }

    /// Starts on `context` (nil: the kubeconfig's current context). A kubeconfig that cannot be
    /// read is a `UsageError`, as for `report`.
    init(kubeconfigPath: String?, context: String?, namespace: String, logger: Logger) throws {
        self.kubeconfigPath = kubeconfigPath
        self.namespace = namespace
        self.logger = logger
        let configuration = try ClientConfiguration.loadOrUsageError(kubeconfigPath: kubeconfigPath, context: context)
        let name = context ?? (try? contextList().current)
        current.withLock { $0 = Cluster(context: name ?? "in-cluster", configuration: configuration, namespace: namespace, logger: logger) }
    }

    deinit { stop() }

    func stop() { current.withLock { $0?.stop() } }

    static let contextTools: [ToolDefinition] = [
        ToolDefinition(
            name: "get_kubeconfig_contexts", title: "Kubeconfig contexts",
            description: "The kubeconfig's contexts: name, cluster, server and namespace of each (never credentials), and which one "
                + "this session reads now.",
            inputSchema: ToolSchema.object([]), outputSchema: OutputSchema.contexts),
        ToolDefinition(
            name: "set_kubeconfig_context", title: "Switch kubeconfig context",
            description: "Reads another cluster from now on: the tools answer for the named kubeconfig context (it changes nothing "
                + "in the kubeconfig file).",
            inputSchema: ToolSchema.object([
                ("name", ToolSchema.string("A context name from get_kubeconfig_contexts.", maxLength: 253)),
            ], required: ["name"]), outputSchema: OutputSchema.selectedContext),
    ]

    var tools: [ToolDefinition] { FluxTools.definitions + Self.contextTools }

    func call(_ name: String, arguments: JSONValue?) async -> ToolResult? {
        do throws(ToolError) {
            switch name {
            case "get_kubeconfig_contexts":
                _ = try ToolArguments(arguments, allowed: [])
                return try contexts()
            case "set_kubeconfig_context":
                let args = try ToolArguments(arguments, allowed: ["name"])
                return try select(try args.required("name"))
            default:
                return await FluxTools.call(name, arguments: arguments) { () async throws(ToolError) in try await ready() }
            }
        } catch {
            return .error(error)
        }
    }

    // MARK: Contexts

    private func contextList() throws(ToolError) -> (entries: [Kubeconfig.ContextEntry], current: String?) {
        guard let paths = ClientConfiguration.kubeconfigPaths(kubeconfigPath) else {
            throw ToolError("running in a pod with its service account: there is no kubeconfig and no context to choose")
        }
        do {
            let config = try Kubeconfig.load(paths: paths)
            return (config.contextEntries, config.currentContext)
        } catch {
            throw ToolError("cannot read the kubeconfig: \(error)")
        }
    }

    private func contexts() throws(ToolError) -> ToolResult {
        let (entries, _) = try contextList()
        let active = current.withLock { $0?.context }
        let shown = FluxTools.first(FluxTools.maxItems, of: Bounded(entries, limit: FluxTools.maxItems))
        var lines = ["\(entries.count) kubeconfig context\(entries.count == 1 ? "" : "s"); this session reads \(active ?? "none"):"]
        for entry in shown.items {
            lines.append("- \(entry.name)\(entry.name == active ? " (current)" : ""): cluster \(entry.cluster)"
                         + (entry.server.map { " at \($0)" } ?? "") + (entry.namespace.map { ", namespace \($0)" } ?? ""))
        }
        if shown.more > 0 { lines.append("… and \(shown.more) more") }
        let items: [JSONValue] = shown.items.map { entry in
            var item: JSONValue = ["name": .string(entry.name), "cluster": .string(entry.cluster), "current": .bool(entry.name == active)]
            if let server = entry.server { item["server"] = .string(server) }
            if let namespace = entry.namespace { item["namespace"] = .string(namespace) }
            return item
        }
        return ToolResult(text: lines.joined(separator: "\n"),
                          structured: ["current": active.map { .string($0) } ?? .null, "items": .array(items), "more": .int(Int64(shown.more))])
    }

    private func select(_ name: String) throws(ToolError) -> ToolResult {
        let (entries, _) = try contextList()
        guard entries.contains(where: { $0.name == name }) else {
            throw ToolError("unknown context \"\(ToolArguments.clip(name))\": get_kubeconfig_contexts lists them")
        }
        let configuration: ClientConfiguration
        do {
            configuration = try ClientConfiguration.loadOrUsageError(kubeconfigPath: kubeconfigPath, context: name)
        } catch {
            throw ToolError("cannot use context \"\(name)\": \(error)")
        }
        let cluster = Cluster(context: name, configuration: configuration, namespace: namespace, logger: logger)
        let previous = current.withLock { state -> Cluster? in
            defer { state = cluster }
            return state
        }
        previous?.stop()
        logger.info("switched kubeconfig context", metadata: ["context": "\(name)", "server": "\(cluster.server)"])
        return ToolResult(text: "This session now reads context \(name) (\(cluster.server)); its objects are being listed, "
                          + "the next call waits for them.",
                          structured: ["context": .string(name), "server": .string(cluster.server)])
    }

    // MARK: The current cluster

    /// The current context's view once its caches have synced; a cluster that cannot be used
    /// (unreachable, TLS, 401, 403) is an error naming the cause, as `report` says it.
    private func ready() async throws(ToolError) -> FluxView {
        guard let cluster = current.withLock({ $0 }) else { throw ToolError("no kubeconfig context selected") }
        let cache = cluster.view.cache
        // The Flux objects are what the tools need: not the FluxReport's own cache, whose CRD a
        // cluster without this operator does not have.
        if cache.crds.hasSynced {
            cache.reconcileKinds()  // idempotent: the kinds' informers exist before they are asked
            if cache.informers.hasSynced { return cluster.view }
        }
        let api = cluster.api
        switch await race(until: .now + Self.accessTimeout, { try await ClusterRead.checkAccess(api) }) {
        case .finished: break
        case .timedOut:
            throw ToolError("no answer from \(cluster.server) (context \(cluster.context)) within \(Self.accessTimeout.components.seconds) s")
        case .failed(let error):
            throw ToolError("cannot use \(cluster.server) (context \(cluster.context)): \(ClusterRead.describe(error, server: cluster.server))")
        }
        switch await race(until: .now + Self.syncTimeout, {
            await cache.crds.waitForSync()
            cache.reconcileKinds()
            await cache.informers.waitForSync()
        }) {
        case .finished: return cluster.view
        case .failed, .timedOut:
            throw ToolError("the Flux objects of \(cluster.server) are not all listed after \(Self.syncTimeout.components.seconds) s; try again shortly")
        }
    }
}
