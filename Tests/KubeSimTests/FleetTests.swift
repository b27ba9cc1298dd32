import Foundation
import KubeCore
import KubeSim
import Testing

@Suite("KubeSim fleet and fixtures")
struct FleetTests {
    static let fixtures = "/work/shared/fixtures/flux/v2.7.0"

    /// A copy inside the repository when there is one, else the shared one, else `KUBESIM_FIXTURES`.
    static var fixturesDirectory: String? {
        let candidates = [FileManager.default.currentDirectoryPath + "/fixtures/flux/v2.7.0", fixtures,
                          ProcessInfo.processInfo.environment["KUBESIM_FIXTURES"] ?? ""]
        return candidates.first { !$0.isEmpty && FileManager.default.fileExists(atPath: $0) }
    }

    @Test func sameSeedSameObjects() throws {
        var options = FleetOptions(seed: 42, objects: 300)
        options.fluxOperator = true
        var a = FleetGenerator(options)
        var b = FleetGenerator(options)
        let first = try a.objects()
        #expect(first == (try b.objects()))
        options.seed = 43
        var c = FleetGenerator(options)
        #expect(first != (try c.objects()))
    }

    @Test func realisticShapes() throws {
        var options = FleetOptions(seed: 7, objects: 1000)
        options.fluxOperator = true
        var generator = FleetGenerator(options)
        let objects = try generator.objects()
        let kinds = Set(objects.compactMap(\.kind))
        for k in ["GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket", "Kustomization", "HelmRelease",
                  "ImageRepository", "ImagePolicy", "ImageUpdateAutomation", "Alert", "Provider", "Receiver",
                  "FluxInstance", "ResourceSet", "ResourceSetInputProvider", "CustomResourceDefinition", "Deployment", "Node"] {
            #expect(kinds.contains(k), "missing \(k)")
        }
        let flux = objects.filter { $0.namespace?.hasPrefix("tenant-") == true }
        #expect(flux.count == 1000)
        let ready = flux.compactMap { $0.condition("Ready") }
        let reasons = Set(ready.map(\.reason))
        for r in ["DependencyNotReady", "Progressing", "ReconciliationFailed"] { #expect(reasons.contains(r), "missing reason \(r)") }
        #expect(Set(ready.map(\.status)) == ["True", "False", "Unknown"])
        #expect(flux.contains { $0[path: "spec", "suspend"] == true })
        #expect(flux.contains { !$0[path: "spec", "chart", "spec", "sourceRef"].isNull })
        #expect(flux.contains { !$0[path: "spec", "chartRef"].isNull })
        #expect(flux.contains { !$0[path: "spec", "imageRepositoryRef"].isNull })
        let git = try #require(flux.first { $0.kind == "GitRepository" && $0.condition("Ready")?.status == "True" })
        #expect(git[path: "status", "artifact", "revision"].string?.contains("@sha1:") == true)
        #expect(git[path: "status", "artifact", "digest"].string?.hasPrefix("sha256:") == true)
        #expect(git[path: "status", "observedGeneration"] == git[path: "metadata", "generation"])
        let ks = try #require(flux.first { $0.kind == "Kustomization" && $0.condition("Ready")?.status == "True" })
        #expect(ks[path: "status", "lastAppliedRevision"] == ks[path: "status", "lastAttemptedRevision"])
        let sync = objects.filter { $0.namespace == "flux-system" && $0.name == "flux-system" }
        #expect(Set(sync.compactMap(\.kind)) == ["GitRepository", "Kustomization"])
    }

    @Test(.enabled(if: FleetTests.fixturesDirectory != nil, "no Flux fixtures directory"))
    func fixturesLoadWithLabelsAndControllerStatus() async throws {
        let dir = try #require(Self.fixturesDirectory)
        try await withSim { c in
            var options = FleetOptions(seed: 1, objects: 50)
            options.fixturesDirectory = dir
            options.notReadyControllers = 1
            let count = try c.sim.loadFleet(options)
            #expect(count > 70)
            let crds = try await c.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions?labelSelector=app.kubernetes.io%2Fpart-of%3Dflux")
            let crdItems = crds.body["items"].array ?? []
            #expect(crdItems.count >= 13)
            #expect(crdItems.allSatisfy { $0.labels["app.kubernetes.io/version"] == "v2.7.0" })
            let deployments = try await c.get("/apis/apps/v1/namespaces/flux-system/deployments")
            let items = deployments.body["items"].array ?? []
            #expect(items.count == 6)
            #expect(items.filter { $0[path: "status", "availableReplicas"] == 1 }.count == 5)
            // Fixture kinds are served at their storage and other served versions.
            #expect(try await c.get("/apis/helm.toolkit.fluxcd.io/v2/helmreleases").code == 200)
            #expect(try await c.get("/apis/notification.toolkit.fluxcd.io/v1beta3/alerts").code == 200)
            #expect(try await c.get("/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/flux-system").code == 200)
        }
    }

    @Test func loadYAMLOverHTTPAndSetStatus() async throws {
        try await withSim { c in
            let yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: one
                data:
                  n: "1"
                ---
                apiVersion: v1
                kind: Secret
                metadata:
                  name: two
                  namespace: created-on-load
                type: Opaque
                """
            let loaded = try await c.request("POST", "/_sim/load?namespace=apps", body: yaml, contentType: "application/yaml")
            #expect(loaded.code == 200)
            #expect(loaded.body["loaded"] == 2)
            #expect(try await c.get("/api/v1/namespaces/apps/configmaps/one").code == 200)
            #expect(try await c.get("/api/v1/namespaces/created-on-load/secrets/two").code == 200)
            var options = FleetOptions(seed: 3, objects: 20)
            options.nodes = 1
            try c.sim.loadFleet(options)
            let status: JSONValue = ["apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "namespace": "flux-system",
                                     "name": "flux-system", "status": ["conditions": [["type": "Ready", "status": "False", "reason": "BuildFailed"]]]]
            let set = try await c.post("/_sim/status", status)
            #expect(set.code == 200)
            #expect(set.body.condition("Ready")?.reason == "BuildFailed")
            let bad = try await c.request("POST", "/_sim/load", body: "kind: [unclosed", contentType: "application/yaml")
            #expect(bad.code == 400)
        }
    }

    /// 20,000 objects load and page completely. How fast is measured by hack/bench (docs/simulator.md),
    /// not asserted here: a shared 2-core machine makes wall-clock bounds flaky.
    @Test func largeFleetLoadsAndPages() async throws {
        try await withSim { c in
            var options = FleetOptions(seed: 9, objects: 20_000)
            options.namespaces = 50
            let loadStart = ContinuousClock.now
            try c.sim.loadFleet(options)
            print("KubeSim loaded 20,000 objects in \(ContinuousClock.now - loadStart)")
            #expect(c.sim.objectCount >= 20_000)
            let listStart = ContinuousClock.now
            var token: String?
            var total = 0
            repeat {
                let page = try await c.get("/apis/kustomize.toolkit.fluxcd.io/v1/kustomizations?limit=500" + (token.map { "&continue=\($0)" } ?? ""))
                total += page.body["items"].array?.count ?? 0
                token = page.body[path: "metadata", "continue"].string
            } while token != nil
            #expect(total == 5_001)
            print("KubeSim paged 5,001 Kustomizations in \(ContinuousClock.now - listStart)")
        }
    }
}
