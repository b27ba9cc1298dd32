import ControllerRuntime
import FluxReport
import KubeCore
import KubeFake
import KubeSim
import Logging
import OperatorTestSupport
import Testing
@testable import FluxReportOperator

/// The reconciler against the in-memory `FakeKubeAPI`: caches, snapshot, report and writes, with no
/// HTTP server, no libcurl and no operator process.
@Suite struct ReportReconcilerTests {
    static let namespace = "flux-system"

    /// A fake cluster holding a generated Flux fleet (CRDs, controllers, objects of every kind).
    static func cluster(seed: UInt64) async throws -> FakeKubeAPI {
        let api = FakeKubeAPI()
        var options = FleetOptions(seed: seed, objects: 120)
        options.notReadyControllers = Int(seed % 2)
        options.fluxOperator = seed % 2 == 1
        let objects = try FleetGenerator(options).objectsForFake()
        // The report's own CRD stand-in is labelled part-of=flux: leave it out, as E2E tests replace
        // it with the chart's (the report would otherwise count itself).
        let crds = objects.filter { $0["kind"].string == "CustomResourceDefinition" && $0[path: "spec", "names", "kind"].string != "FluxReport" }
        let resources = Dictionary(crds.compactMap(FluxCRD.init(json:)).compactMap { crd in crd.resource.map { ("\(crd.group)/\(crd.kind)", $0) } },
                                   uniquingKeysWith: { first, _ in first })
        let builtins: [String: GroupVersionResource] = [
            "/Namespace": .namespaces, "/Node": .nodes, "/Secret": .secrets, "/ConfigMap": .configMaps, "apps/Deployment": .deployments,
            "apiextensions.k8s.io/CustomResourceDefinition": .customResourceDefinitions,
        ]
        for object in objects {
            let group = (object["apiVersion"].string ?? "").split(separator: "/").dropLast().joined(separator: "/")
            let key = "\(group)/\(object["kind"].string ?? "")"
            if key == "apiextensions.k8s.io/CustomResourceDefinition", object[path: "spec", "names", "kind"].string == "FluxReport" { continue }
            guard let resource = builtins[key] ?? resources[key] else {
                Issue.record("no resource for \(key)")
                continue
            }
            _ = try await api.create(resource, namespace: object.namespace, object: object, options: WriteOptions())
        }
        return api
    }

    /// Runs a cache and a reconciler over `api` until `body` returns.
    static func withReconciler<T>(_ api: FakeKubeAPI, isLeader: @escaping @Sendable () -> Bool = { true },
                                  _ body: (ReportReconciler, ClusterCache) async throws -> T) async throws -> T {
        let logger = Logger(label: "test")
        let cache = ClusterCache(api: api, namespace: namespace, logger: logger)
        let task = Task { await cache.run() }
        defer { task.cancel() }
        await cache.waitForSync()
        let reconciler = ReportReconciler(api: api, cache: cache, configuration: OperatorConfiguration(namespace: namespace),
                                          recorder: nil, reportMetrics: ReportMetrics(isLeader: { true }), logger: logger,
                                          isLeader: isLeader)
        return try await body(reconciler, cache)
    }

    static func writtenSpec(_ api: FakeKubeAPI) -> FluxReportSpec? {
        api.objects(FluxReportAPI.gvr)["\(namespace)/\(FluxReportAPI.reportName)"].map { FluxReportSpec(json: $0["spec"]) }
    }

    @Test("a reconcile writes the report computed independently from the cluster's objects", arguments: [UInt64(3), 11])
    func writesTheExpectedReport(seed: UInt64) async throws {
        let api = try await Self.cluster(seed: seed)
        try await Self.withReconciler(api) { reconciler, _ in
            let result = try await reconciler.reconcile("flux")
            #expect(result == .requeueAfter(.seconds(300)), "seed \(seed)")
            let want = try await ExpectedReport.spec(api: api, namespace: Self.namespace)
            let got = Self.writtenSpec(api)
            #expect(got == want, "seed \(seed): \(ExpectedReport.diff(got: got, want: want))")
            let status = api.objects(FluxReportAPI.gvr)["\(Self.namespace)/\(FluxReportAPI.reportName)"]?["status"]
            #expect(status?["conditions"].array?.contains { $0["type"].string == "Ready" } == true, "seed \(seed): no Ready condition")
        }
    }

    @Test("a failed write throws, and the next reconcile writes the whole report")
    func failedWriteIsRetried() async throws {
        let api = try await Self.cluster(seed: 5)
        try await Self.withReconciler(api) { reconciler, _ in
            api.setFailWrites(true)
            await #expect(throws: KubeAPIError.self) { _ = try await reconciler.reconcile("flux") }
            #expect(Self.writtenSpec(api) == nil)
            api.setFailWrites(false)
            _ = try await reconciler.reconcile("flux")
            let want = try await ExpectedReport.spec(api: api, namespace: Self.namespace)
            #expect(Self.writtenSpec(api) == want, "\(ExpectedReport.diff(got: Self.writtenSpec(api), want: want))")
        }
    }
}

extension ReportReconcilerTests {
    /// A controller whose leadership ended without its cancellation having run yet writes nothing,
    /// and writes the whole report again once leading.
    @Test("no write once leadership ended, even before the controller is stopped")
    func noWriteAfterLeadershipEnded() async throws {
        let api = try await Self.cluster(seed: 7)
        let leading = LockedState(false)
        try await Self.withReconciler(api, isLeader: { leading.withLock { $0 } }) { reconciler, _ in
            let result = try await reconciler.reconcile("flux")
            #expect(result == .requeueAfter(.seconds(1)))
            #expect(Self.writtenSpec(api) == nil)
            leading.withLock { $0 = true }
            _ = try await reconciler.reconcile("flux")
            let want = try await ExpectedReport.spec(api: api, namespace: Self.namespace)
            #expect(Self.writtenSpec(api) == want, "\(ExpectedReport.diff(got: Self.writtenSpec(api), want: want))")
        }
    }
}

extension FleetGenerator {
    /// The fleet's objects, for loading into a `FakeKubeAPI`.
    func objectsForFake() throws -> [JSONValue] {
        var generator = self
        return try generator.objects()
    }
}
