import Foundation
import KubeCore
import KubeSim
import Testing

@Suite("KubeSim list, selectors and pagination")
struct ListTests {
    @Test func labelSelectorParsing() throws {
        let s = try LabelSelector(parsing: "app=web,tier!=db,env in (prod, staging),team notin (x),canary,!legacy")
        #expect(s.matches(["app": "web", "env": "prod", "canary": "1"]))
        #expect(!s.matches(["app": "web", "env": "prod"]))
        #expect(!s.matches(["app": "web", "env": "dev", "canary": "1"]))
        #expect(!s.matches(["app": "web", "env": "prod", "canary": "1", "legacy": "y"]))
        #expect(!s.matches(["app": "web", "env": "prod", "canary": "1", "tier": "db"]))
        #expect(!s.matches(["app": "web", "env": "prod", "canary": "1", "team": "x"]))
        #expect(try LabelSelector(parsing: "a==b").matches(["a": "b"]))
        #expect(try LabelSelector(parsing: "").isEmpty)
        #expect(throws: APIError.self) { try LabelSelector(parsing: "a in b") }
        #expect(throws: APIError.self) { try LabelSelector(parsing: "a=b c") }
        #expect(throws: APIError.self) { try FieldSelector(parsing: "metadata.name") }
    }

    @Test func selectorsOverHTTP() async throws {
        try await withSim { c in
            _ = try await c.post("/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "other"]])
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("a", labels: ["app": "web", "env": "prod"]))
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("b", labels: ["app": "db"]))
            _ = try await c.post("/api/v1/namespaces/other/configmaps", SimClient.configMap("a", namespace: "other", labels: ["app": "web"]))
            func names(_ query: String) async throws -> [String] {
                try await c.get("/api/v1/configmaps?\(query)").body["items"].array?.map(\.objectKey) ?? []
            }
            #expect(try await names("labelSelector=app%3Dweb") == ["default/a", "other/a"])
            #expect(try await names("labelSelector=app%20in%20(web,db),env") == ["default/a"])
            #expect(try await names("labelSelector=!env") == ["default/b", "other/a"])
            #expect(try await names("fieldSelector=metadata.namespace%3Dother") == ["other/a"])
            #expect(try await names("fieldSelector=metadata.name%3Da,metadata.namespace!%3Dother") == ["default/a"])
            let ns = try await c.get("/api/v1/namespaces/other/configmaps")
            #expect(ns.body["items"].array?.count == 1)
            #expect(ns.body["kind"] == "ConfigMapList")
            #expect(ns.body["apiVersion"] == "v1")
            #expect(Int(ns.body[path: "metadata", "resourceVersion"].string ?? "") == Int(c.sim.resourceVersion))
        }
    }

    @Test func paginationWithContinueAndRemainingCount() async throws {
        try await withSim { c in
            var objects: [JSONValue] = []
            for i in 0..<25 { objects.append(SimClient.configMap(String(format: "cm-%02d", i))) }
            try c.sim.load(objects: objects)
            var seen: [String] = []
            var token: String?
            var remaining: [Int64] = []
            repeat {
                let query = "limit=10" + (token.map { "&continue=\($0)" } ?? "")
                let page = try await c.get("/api/v1/namespaces/default/configmaps?\(query)")
                #expect(page.code == 200)
                seen += page.body["items"].array?.map(\.name) ?? []
                token = page.body[path: "metadata", "continue"].string
                if let r = page.body[path: "metadata", "remainingItemCount"].int { remaining.append(r) }
            } while token != nil
            #expect(seen == (0..<25).map { String(format: "cm-%02d", $0) })
            #expect(remaining == [15, 5])
            #expect(try await c.get("/api/v1/configmaps?limit=10&continue=zz").code == 400)
        }
    }

    @Test func discoveryDocuments() async throws {
        try await withSim { c in
            let version = try await c.get("/version")
            #expect(version.body["gitVersion"].string?.hasPrefix("v1.32.") == true)
            #expect(version.body["platform"] == "linux/amd64")
            #expect(try await c.get("/api").body["versions"] == ["v1"])
            let core = try await c.get("/api/v1")
            let names = core.body["resources"].array?.compactMap { $0["name"].string } ?? []
            for n in ["namespaces", "nodes", "secrets", "configmaps", "events"] { #expect(names.contains(n)) }
            let groups = try await c.get("/apis")
            let groupNames = groups.body["groups"].array?.compactMap { $0["name"].string } ?? []
            for g in ["apps", "events.k8s.io", "coordination.k8s.io", "apiextensions.k8s.io"] { #expect(groupNames.contains(g)) }
            #expect(try await c.get("/apis/apps").body["preferredVersion"]["version"] == "v1")
            #expect(try await c.get("/openapi/v3").body["paths"]["apis/apps/v1"].isNull == false)
            #expect(try await c.get("/openapi/v2").code == 200)
        }
    }
}
