import ControllerRuntime
import FluxReport
import FluxReportOperator
import Foundation
import KubeClient
import KubeCore
import KubeSim
import Logging
import OperatorTestSupport
import TestSupport
import Testing

extension EndToEnd {
    /// Model-based chaos: random API operations interleaved with random faults against KubeSim, the
    /// operator running in process (so its caches can be compared). At each quiet point the faults
    /// are cleared and a `requestedAt` is set at once, while the caches may still be catching up; then:
    /// - the first report marked as handling it equals the report computed from the server's state
    ///   by plain LISTs, and is Ready (the guarantee of docs/report.md "requestedAt");
    /// - every Flux object cache equals the server's objects, projected the same way;
    /// - the `flux_*_info` series equal those computed from the server's objects.
    /// `CHAOS_SEED`, `CHAOS_ITERATIONS`, `CHAOS_SECONDS` (see `ChaosSettings`; `hack/chaos` for long runs).
    @Suite("Chaos: random operations and faults", .serialized)
    struct ChaosTests {
        static let namespace = E2EEnvironment.namespace

        @Test("after any faults, the requestedAt report, the caches and the metrics equal the server's state",
              .timeLimit(.minutes(10)))
        func quietPointsAgreeWithServer() async throws {
            let settings = ChaosSettings.fromEnvironment()
            print("chaos: \(settings)")
            let fleet = E2EEnvironment.fleet(seed: settings.seed % 1000, objects: 80)
            try await E2EEnvironment.with(fleet: fleet) { env in
                let cluster = ChaosCluster(sim: env.sim, seed: settings.seed)
                try await cluster.load(api: env.client)
                let app = try Self.startOperator(env)
                let run = Task { try await app.manager.run() }
                defer { run.cancel() }
                try await env.waitForCorrectReport(timeout: .seconds(60))

                let started = ContinuousClock.now
                var iteration = 0
                while iteration < settings.iterations && ContinuousClock.now - started < .seconds(settings.seconds) {
                    iteration += 1
                    let logStart = cluster.log.count
                    // Chaos: operations and faults, at random moments.
                    for _ in 0..<cluster.random.int(4...12) {
                        if cluster.random.chance(0.6) { cluster.randomOperation(iteration: iteration) } else { cluster.randomFault() }
                        try await Task.sleep(for: .milliseconds(cluster.random.int(0...250)))
                    }
                    // Quiet point: the server is healthy from now on; ask for a report at once.
                    env.sim.clearFaults()
                    let value = "chaos-\(settings.seed)-\(iteration)"
                    let context = "iteration \(iteration) (\(settings)):\n" + cluster.log[logStart...].joined(separator: "\n")
                    try await Self.checkQuietPoint(env: env, app: app, request: value, context: context)
                }
                print("chaos: \(iteration) quiet points checked in \(ContinuousClock.now - started)")
                #expect(iteration > 0)
                run.cancel()
                _ = try? await run.value
            }
        }

        /// A chaos sequence made deterministic: watches are dropped, the resumed HelmRelease watch waits
        /// 3 s for the server's answer, a HelmRelease is suspended meanwhile and a `requestedAt` set at
        /// once. The report marked as handling it must count the suspend: a watch counts as running
        /// only once the server answered it, not from when it was sent.
        @Test("a requestedAt while a resumed watch waits for a slow server: the report has the change made before it",
              .timeLimit(.minutes(3)))
        func requestDuringUnansweredWatch() async throws {
            let fleet = E2EEnvironment.fleet(seed: 31, objects: 60)
            try await E2EEnvironment.with(fleet: fleet) { env in
                let app = try Self.startOperator(env)
                let run = Task { try await app.manager.run() }
                defer { run.cancel() }
                try await env.waitForCorrectReport(timeout: .seconds(60))
                env.sim.injectFault(Fault(path: "/apis/helm.toolkit.fluxcd.io", verb: "watch", delayMilliseconds: 3000))
                let helmWatches = { env.sim.requestCounts().filter { $0.verb == "watch" && $0.resource.hasPrefix("helmreleases.") }
                    .reduce(0) { $0 + $1.count } }
                let before = helmWatches()
                _ = env.sim.dropWatches()
                try await waitUntil("the HelmRelease watch was sent again", timeout: .seconds(10), interval: .milliseconds(5)) {
                    helmWatches() > before
                }
                try await FaultsE2ETests.suspendSomeHelmRelease(env)
                env.sim.clearFaults()  // the watch already waiting still waits
                try await Self.checkQuietPoint(env: env, app: app, request: "unanswered-watch",
                                               context: "dropped watches; the resumed HelmRelease watch answered after 3 s")
                run.cancel()
                _ = try? await run.value
            }
        }

        static func startOperator(_ env: E2EEnvironment) throws -> OperatorApp {
            var logger = Logger(label: "chaos-operator")
            logger.logLevel = ProcessInfo.processInfo.environment["CHAOS_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .error
            let configuration = OperatorConfiguration(
                kubeconfigPath: env.kubeconfigPath, namespace: namespace, reportingInterval: .seconds(300),
                metricsAddress: ListenAddress(host: "127.0.0.1", port: try FreePort.next()),
                healthAddress: ListenAddress(host: "127.0.0.1", port: try FreePort.next()), podName: "chaos-0")
            let client = KubernetesClient(configuration: try ClientConfiguration.load(kubeconfigPath: env.kubeconfigPath, context: nil))
            return OperatorApp(configuration: configuration, api: client, registry: MetricsRegistry(logger: logger), logger: logger)
        }

        /// Sets `requestedAt` and checks the first report that claims to handle it, then the caches and metrics.
        static func checkQuietPoint(env: E2EEnvironment, app: OperatorApp, request value: String, context: String) async throws {
            let from = String(env.sim.resourceVersion)
            let reports = env.client.watch(FluxReportAPI.gvr, namespace: namespace, options: WatchOptions(
                fieldSelector: "metadata.name=\(FluxReportAPI.reportName)", resourceVersion: from, allowWatchBookmarks: false, timeoutSeconds: 90))
            try env.sim.modify(FluxReportAPI.gvr, namespace: namespace, name: FluxReportAPI.reportName) {
                $0["metadata"]["annotations"][ReportAnnotations.requestedAt] = .string(value)
            }
            let handled = try await firstHandled(reports, value: value, timeout: .seconds(60), context: context)
            let want = try await ExpectedReport.spec(api: env.client, namespace: namespace)
            let got = FluxReportSpec(json: handled["spec"])
            #expect(got == want, "the report marked as handling \(value) is stale:\n\(ExpectedReport.diff(got: got, want: want))\n\(context)")
            let ready = handled["status"]["conditions"].array?.first { $0["type"].string == FluxReportAPI.readyCondition }
            #expect(ready?["status"].string == "True",
                    "the report handling \(value) is not Ready: \(ready.map { "\($0)" } ?? "no condition")\n\(context)")

            // Caches and metrics: equal to the server's state (allowing a watch round trip).
            var cacheDiff = ""
            var metricsDiff = ""
            do {
                try await waitUntil("caches and metrics equal the server's state", timeout: .seconds(10), interval: .milliseconds(50)) {
                    let truth = try await ServerTruth.read(api: env.client)
                    cacheDiff = truth.cacheDifferences(app.cache)
                    metricsDiff = truth.metricsDifferences(app.manager.registry.scrapeString())
                    return cacheDiff.isEmpty && metricsDiff.isEmpty
                }
            } catch {
                Issue.record("\(error)\ncaches: \(cacheDiff)\nmetrics: \(metricsDiff)\n\(context)")
            }
        }

        /// The first version of the report whose `status.lastHandledReconcileAt` is `value`.
        static func firstHandled(_ events: AsyncThrowingStream<WatchEvent, any Error>, value: String, timeout: Duration,
                                 context: String) async throws -> JSONValue {
            try await withThrowingTaskGroup(of: JSONValue?.self) { group in
                group.addTask {
                    for try await event in events where event.type == .added || event.type == .modified {
                        if event.object[path: "status", "lastHandledReconcileAt"].string == value { return event.object }
                    }
                    return nil
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let object = first else {
                    throw E2EEnvironment.Failure(description: "no report handled \(value) within \(timeout)\n\(context)")
                }
                return object
            }
        }
    }
}

/// The server's Flux objects read by plain LISTs, and how the operator's caches and series must look.
struct ServerTruth {
    /// By `Kind.group`: the projections of every object, by `namespace/name`.
    var kinds: [String: [String: FluxObject]] = [:]

    static func read(api: any KubeAPI) async throws -> ServerTruth {
        var truth = ServerTruth()
        for json in try await api.listAll(.customResourceDefinitions, namespace: nil).items {
            guard let crd = FluxCRD(json: json), crd.isReported, let resource = crd.resource else { continue }
            var objects: [String: FluxObject] = [:]
            for item in try await api.listAll(resource, namespace: nil).items {
                objects[item.objectKey] = FluxObject(json: item, kind: crd.kind, apiVersion: crd.apiVersion)
            }
            truth.kinds[crd.groupKind] = objects
        }
        return truth
    }

    func cacheDifferences(_ cache: ClusterCache) -> String {
        var lines: [String] = []
        var cached: [String: [String: FluxObject]] = [:]
        for (crd, informer) in cache.kinds {
            guard let informer else { lines.append("\(crd.groupKind): no informer"); continue }
            var objects: [String: FluxObject] = [:]
            for item in informer.store.list() {
                objects["\(item.object.namespace.isEmpty ? "" : item.object.namespace + "/")\(item.object.name)"] = item.object
            }
            cached[crd.groupKind] = objects
        }
        for kind in Set(kinds.keys).union(cached.keys).sorted() {
            guard let want = kinds[kind] else { lines.append("\(kind): cached, but no such kind on the server"); continue }
            guard let got = cached[kind] else { lines.append("\(kind): on the server, not cached"); continue }
            for key in Set(want.keys).union(got.keys).sorted() where want[key] != got[key] {
                lines.append("\(kind) \(key): cached \(got[key].map { "\($0)" } ?? "absent"), server \(want[key].map { "\($0)" } ?? "absent")")
                if lines.count > 12 { return lines.joined(separator: "\n") }
            }
        }
        return lines.joined(separator: "\n")
    }

    func metricsDifferences(_ text: String) -> String {
        let families = Set(FluxMetricFamily.allCases.map(\.rawValue))
        var got: Set<String> = []
        for sample in PrometheusText.parse(text) where families.contains(sample.name) {
            got.insert(Self.key(sample.name, sample.labels))
        }
        var want: Set<String> = []
        for objects in kinds.values {
            for object in objects.values {
                let labels = Dictionary(MetricLabels.info(object), uniquingKeysWith: { a, _ in a })
                want.insert(Self.key(FluxMetricFamily(kind: object.kind).rawValue, labels))
            }
        }
        let missing = want.subtracting(got).sorted().prefix(6)
        let extra = got.subtracting(want).sorted().prefix(6)
        if missing.isEmpty && extra.isEmpty { return "" }
        return "missing series:\n  " + missing.joined(separator: "\n  ") + "\nunexpected series:\n  " + extra.joined(separator: "\n  ")
    }

    static func key(_ name: String, _ labels: [String: String]) -> String {
        name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
    }
}
