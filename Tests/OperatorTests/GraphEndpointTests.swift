import FluxReport
import KubeCore
import KubeFake
import Logging
import Testing
import TestSupport

@testable import FluxReportOperator

/// `/api/v1/graph`, `/api/v1/rootcauses` and the diagnosis inside `/api/v1/resource`: their
/// parameters as outside data, their answers over a known chain, over HTTP on empty caches.
@Suite struct GraphEndpointTests {
    @Test func graphQueriesTakeAnObjectAndALimit() throws {
        let q = try GraphQuery.object([("kind", "Kustomization"), ("namespace", "apps"), ("name", "web"), ("limit", "25")])
        #expect(q.key == ResourceKey(kind: "Kustomization", namespace: "apps", name: "web") && q.limit == 25)
        #expect(try GraphQuery.object([("kind", "Kustomization"), ("name", "web")]).limit == Neighbourhood.defaultLimit)
        #expect(try GraphQuery.cluster([]).limit == RootCauseMap.defaultLimit)
        #expect(try GraphQuery.cluster([("limit", "1000")]).limit == 1000)
    }

    @Test(arguments: [
        [("kind", "Kustomization"), ("name", "web"), ("limit", "0")],
        [("kind", "Kustomization"), ("name", "web"), ("limit", "1001")],
        [("kind", "Kustomization"), ("name", "web"), ("limit", "1e3")],
        [("kind", "Kustomization"), ("name", "web"), ("limit", "-1")],
        [("kind", "Kustomization"), ("name", "web"), ("limit", "99999999999999999999")],
        [("kind", "Kustomization"), ("name", "web"), ("limit", "5"), ("limit", "6")],
        [("kind", "Kustomization"), ("name", "a/b")],
        [("kind", "Kustomization")],
        [("kind", "Kustomization"), ("name", "web"), ("depth", "3")],
        [("name", String(repeating: "x", count: 1 << 16))],
    ])
    func hostileGraphQueriesAreRejected(_ parameters: [(String, String)]) {
        #expect(throws: QueryError.self) { try GraphQuery.object(parameters.map { (name: $0.0, value: $0.1) }) }
    }

    @Test func theClusterViewTakesOnlyALimit() {
        #expect(throws: QueryError.self) { try GraphQuery.cluster([("kind", "Kustomization")]) }
        #expect(throws: QueryError.self) { try GraphQuery.cluster([("limit", "0")]) }
    }

    static func object(_ kind: String, _ name: String, ready: String = "True", reason: String = "Succeeded", spec: JSONValue = [:],
                       status: JSONValue = [:]) -> FluxObject {
        var json: JSONValue = [
            "apiVersion": "x.toolkit.fluxcd.io/v1", "kind": .string(kind),
            "metadata": ["name": .string(name), "namespace": "apps"],
            "spec": spec, "status": status,
        ]
        json["status"]["conditions"] = [["type": "Ready", "status": .string(ready), "reason": .string(reason), "message": "m",
                                         "lastTransitionTime": "2026-01-01T00:00:00Z"]]
        return FluxObject(json: json, kind: kind)
    }

    /// The status page's data over empty caches: `resourceJSON` reads the diagnosis it is given.
    static func page() -> StatusPageData {
        let api = FakeKubeAPI()
        let logger = Logger(label: "graph-endpoint-test")
        return StatusPageData(api: api, cache: ClusterCache(api: api, namespace: "flux-system", logger: logger), feed: ChangeFeed(), logger: logger)
    }

    @Test func theObjectPageCarriesDependenciesDependentsPathsAndRevisions() throws {
        // repo (failing) ← base ← web, all in apps; base applied an older revision than it attempted.
        let objects = [
            Self.object("GitRepository", "repo", ready: "False", reason: "GitOperationFailed"),
            Self.object("Kustomization", "base", ready: "False", reason: "DependencyNotReady",
                        spec: ["sourceRef": ["kind": "GitRepository", "name": "repo"]],
                        status: ["lastAttemptedRevision": "main@sha1:new", "lastAppliedRevision": "main@sha1:old"]),
            Self.object("Kustomization", "web", ready: "False", reason: "DependencyNotReady",
                        spec: ["dependsOn": [["name": "base"]], "sourceRef": ["kind": "GitRepository", "name": "repo"]]),
        ]
        let diagnosis = Diagnosis(objects: objects, now: 1_800_000_000)
        let page = Self.page()

        let base = try #require(page.resourceJSON(ResourceKey(kind: "Kustomization", namespace: "apps", name: "base"), diagnosis: diagnosis))
        let d = base["diagnosis"]
        #expect(d["object"]["summary"].string == "blocked by GitRepository apps/repo")
        #expect(d["object"]["revision"].string == "main@sha1:new")
        #expect(d["object"]["lastAppliedRevision"].string == "main@sha1:old")
        #expect(d["dependencies"]["items"].elements?.compactMap { $0["name"].string } == ["repo"])
        #expect(d["dependents"]["items"].elements?.compactMap { $0["name"].string } == ["web"])
        let web = try #require(page.resourceJSON(ResourceKey(kind: "Kustomization", namespace: "apps", name: "web"), diagnosis: diagnosis))
        #expect(web["diagnosis"]["pathsToRootCauses"]["items"].elements?.first?.elements?.compactMap({ $0.string })
                == ["Kustomization/apps/web", "GitRepository/apps/repo"])
        #expect(page.resourceJSON(ResourceKey(kind: "Kustomization", namespace: "apps", name: "nope"), diagnosis: diagnosis) == nil)
    }

    @Test func aHelmReleasePageCarriesItsNewestReleases() throws {
        let history: JSONValue = [
            ["version": 3, "chartVersion": "6.5.4", "status": "failed", "lastDeployed": "2026-03-03T10:00:00Z", "chartName": "podinfo"],
            ["version": 2, "chartVersion": "6.5.3", "status": "deployed", "lastDeployed": "2026-03-02T10:00:00Z", "chartName": "podinfo"],
            ["version": -1, "chartVersion": "6.5.2", "status": "Superseded", "lastDeployed": "soon"],
            ["version": 1, "chartVersion": "6.5.1", "status": "superseded", "lastDeployed": "2026-03-01T10:00:00Z"],
        ]
        let objects = [
            Self.object("HelmRelease", "podinfo", ready: "False", reason: "UpgradeFailed",
                        status: ["history": history, "lastAttemptedRevision": "6.5.4"]),
            Self.object("Kustomization", "base", status: ["history": [["lastReconciled": "2026-03-01T10:00:00Z", "status": "deployed"]]]),
        ]
        let diagnosis = Diagnosis(objects: objects, now: 1_800_000_000)
        let page = Self.page()

        // The endpoint's bytes, read back.
        let answer = try #require(page.resourceJSON(ResourceKey(kind: "HelmRelease", namespace: "apps", name: "podinfo"), diagnosis: diagnosis))
        let object = try JSONValue.parse(answer.serialized())["diagnosis"]["object"]
        #expect(object["releases"] == [
            ["version": 3, "chartVersion": "6.5.4", "status": "failed", "lastDeployed": "2026-03-03T10:00:00Z"],
            ["version": 2, "chartVersion": "6.5.3", "status": "deployed", "lastDeployed": "2026-03-02T10:00:00Z"],
            ["chartVersion": "6.5.2", "status": "unknown"],
        ])
        #expect(object["revision"].string == "6.5.4" && object["lastAppliedRevision"].string == "6.5.3")
        let other = try #require(page.resourceJSON(ResourceKey(kind: "Kustomization", namespace: "apps", name: "base"), diagnosis: diagnosis))
        #expect(other["diagnosis"]["object"]["releases"].isNull)

        // `why`'s table: one row per kept release, unknown values as "-".
        let explanation = try #require(diagnosis.explain(ObjectKey(kind: "HelmRelease", namespace: "apps", name: "podinfo")))
        let lines = DiagnosisText.explanation(explanation, now: diagnosis.now).split(separator: "\n")
        let start = try #require(lines.firstIndex(of: "RELEASES (newest first)"))
        func age(_ time: String) -> String { DiagnosisWords.age(diagnosis.now - (Timestamp.parseRFC3339(time) ?? 0)) + " ago" }
        #expect(lines[(start + 1)...].prefix(4).map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") } == [
            "RELEASE CHART VERSION STATUS DEPLOYED",
            "3 6.5.4 failed \(age("2026-03-03T10:00:00Z"))",
            "2 6.5.3 deployed \(age("2026-03-02T10:00:00Z"))",
            "- 6.5.2 unknown -",
        ])
    }

    @Test func unknownObjectsAre404WithAMessageAndBadQueries400() async throws {
        try await StatusPageServer.run { server in
            func get(_ path: String) async throws -> RawConnection.Response {
                try await RawConnection.request(port: server.port, path: path, headers: ["Host: localhost"])
            }
            let missing = try await get("/api/v1/graph?kind=Kustomization&namespace=apps&name=web")
            #expect(missing.status == 404 && missing.body.contains("Kustomization apps/web not found"))
            let resource = try await get("/api/v1/resource?kind=Kustomization&namespace=apps&name=web")
            #expect(resource.status == 404 && resource.body.contains("not found"))
            let bad = try await get("/api/v1/graph?kind=Kustomization&name=web&limit=100000")
            #expect(bad.status == 400 && bad.body.contains("limit"))
            let cluster = try await get("/api/v1/rootcauses?limit=10")
            #expect(cluster.status == 200 && cluster.body.contains("\"rootCauses\""))
            #expect(try await get("/api/v1/rootcauses?kind=x").status == 400)
            #expect(try await get("/graph?kind=Kustomization&namespace=apps&name=web").status == 200)
        }
    }
}
