import Foundation
import KubeCore
import KubeSim
import Testing

@Suite("KubeSim verbs and errors")
struct VerbTests {
    @Test func createGetUpdateDelete() async throws {
        try await withSim { c in
            let created = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("one"))
            #expect(created.code == 201)
            #expect(!created.body.uid.isEmpty)
            #expect(created.body[path: "metadata", "creationTimestamp"].string?.hasSuffix("Z") == true)
            let rv = try #require(created.body.resourceVersion)

            let got = try await c.get("/api/v1/namespaces/default/configmaps/one")
            #expect(got.code == 200)
            #expect(got.body[path: "data", "k"] == "v")

            var update = got.body
            update["data"]["k"] = "w"
            let updated = try await c.put("/api/v1/namespaces/default/configmaps/one", update)
            #expect(updated.code == 200)
            #expect(updated.body[path: "data", "k"] == "w")
            #expect(Int(updated.body.resourceVersion ?? "") ?? 0 > Int(rv) ?? 0)

            // Stale resourceVersion → 409 Conflict.
            let stale = try await c.put("/api/v1/namespaces/default/configmaps/one", update)
            #expect(stale.code == 409)
            #expect(stale.body["reason"] == "Conflict")
            #expect(stale.body["kind"] == "Status")

            let deleted = try await c.delete("/api/v1/namespaces/default/configmaps/one")
            #expect(deleted.code == 200)
            let gone = try await c.get("/api/v1/namespaces/default/configmaps/one")
            #expect(gone.code == 404)
            #expect(gone.body["reason"] == "NotFound")
            #expect(gone.body["message"] == "configmaps \"one\" not found")
        }
    }

    @Test func errorCodes() async throws {
        try await withSim { c in
            // 401: missing and wrong token.
            #expect(try await c.request("GET", "/api/v1/namespaces", token: nil).code == 401)
            let wrong = try await c.request("GET", "/api/v1/namespaces", token: "nope")
            #expect(wrong.code == 401)
            #expect(wrong.body["reason"] == "Unauthorized")
            // 409 AlreadyExists.
            #expect(try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("dup")).code == 201)
            let dup = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("dup"))
            #expect(dup.code == 409)
            #expect(dup.body["reason"] == "AlreadyExists")
            // 404: unknown resource, missing namespace.
            #expect(try await c.get("/apis/nothing.example/v1/things").code == 404)
            let noNS = try await c.post("/api/v1/namespaces/missing/configmaps", SimClient.configMap("x", namespace: "missing"))
            #expect(noNS.code == 404)
            #expect(noNS.body["message"] == "namespaces \"missing\" not found")
            // 405: PUT on a collection.
            #expect(try await c.put("/api/v1/namespaces/default/configmaps", SimClient.configMap("x")).code == 405)
            // 415: protobuf bodies and unknown patch types.
            let proto = try await c.request("POST", "/api/v1/namespaces/default/configmaps", body: "x", contentType: "application/vnd.kubernetes.protobuf")
            #expect(proto.code == 415)
            let badPatch = try await c.patch("/api/v1/namespaces/default/configmaps/dup", ["data": ["a": "b"]], type: "text/plain")
            #expect(badPatch.code == 415)
            // 400: malformed body, bad selector, mismatched kind.
            #expect(try await c.request("POST", "/api/v1/namespaces/default/configmaps", body: "{not json").code == 400)
            #expect(try await c.get("/api/v1/configmaps?labelSelector=a%20in%20b").code == 400)
            var wrongKind = SimClient.configMap("y")
            wrongKind["kind"] = "Secret"
            #expect(try await c.post("/api/v1/namespaces/default/configmaps", wrongKind).code == 400)
            // 422: invalid name.
            let invalid = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("Bad_Name"))
            #expect(invalid.code == 422)
            #expect(invalid.body["reason"] == "Invalid")
        }
    }

    @Test func generateNameAndNamespaces() async throws {
        try await withSim { c in
            var cm = SimClient.configMap("")
            cm["metadata"]["name"] = .null
            cm["metadata"]["generateName"] = "gen-"
            let created = try await c.post("/api/v1/namespaces/default/configmaps", cm)
            #expect(created.code == 201)
            #expect(created.body.name.hasPrefix("gen-"))
            #expect(created.body.name.count == 9)

            let ns = try await c.post("/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "team"]])
            #expect(ns.code == 201)
            #expect(ns.body[path: "status", "phase"] == "Active")
            #expect(try await c.post("/api/v1/namespaces/team/configmaps", SimClient.configMap("a", namespace: "team")).code == 201)
            // Deleting a namespace deletes what is in it.
            #expect(try await c.delete("/api/v1/namespaces/team").code == 200)
            #expect(try await c.get("/api/v1/namespaces/team/configmaps/a").code == 404)
        }
    }

    @Test func patchTypes() async throws {
        try await withSim { c in
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("p", data: ["a": "1", "b": "2"]))
            let merged = try await c.patch("/api/v1/namespaces/default/configmaps/p", ["data": ["a": "10", "b": nil]])
            #expect(merged.code == 200)
            #expect(merged.body[path: "data", "a"] == "10")
            #expect(merged.body[path: "data", "b"].isNull)

            let strategic = try await c.patch("/api/v1/namespaces/default/configmaps/p", ["data": ["c": "3"]], type: "application/strategic-merge-patch+json")
            #expect(strategic.body[path: "data", "c"] == "3")
            #expect(strategic.body[path: "data", "a"] == "10")

            let ops: JSONValue = [["op": "replace", "path": "/data/a", "value": "11"], ["op": "add", "path": "/metadata/labels", "value": ["x": "y"]],
                                  ["op": "remove", "path": "/data/c"]]
            let json = try await c.patch("/api/v1/namespaces/default/configmaps/p", ops, type: "application/json-patch+json")
            #expect(json.code == 200)
            #expect(json.body[path: "data", "a"] == "11")
            #expect(json.body.labels == ["x": "y"])
            #expect(json.body[path: "data", "c"].isNull)

            let failing: JSONValue = [["op": "test", "path": "/data/a", "value": "nope"]]
            #expect(try await c.patch("/api/v1/namespaces/default/configmaps/p", failing, type: "application/json-patch+json").code == 422)
            // A merge patch carrying a stale resourceVersion conflicts.
            let stale = try await c.patch("/api/v1/namespaces/default/configmaps/p", ["metadata": ["resourceVersion": "1"], "data": ["a": "x"]])
            #expect(stale.code == 409)
            #expect(try await c.patch("/api/v1/namespaces/default/configmaps/missing", ["data": ["a": "x"]]).code == 404)
        }
    }

    @Test func generationAndStatusSubresource() async throws {
        try await withSim { c in
            #expect(try await c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", SimClient.widgetCRD).code == 201)
            var widget = SimClient.widget("w")
            widget["status"] = ["phase": "ignored on create"]
            let created = try await c.post("/apis/example.com/v1/namespaces/default/widgets", widget)
            #expect(created.code == 201)
            #expect(created.body.generation == 1)
            #expect(created.body["status"].isNull)

            // Metadata-only change: no generation bump.
            let labelled = try await c.patch("/apis/example.com/v1/namespaces/default/widgets/w", ["metadata": ["labels": ["a": "b"]]])
            #expect(labelled.body.generation == 1)
            // Spec change: bump.
            let resized = try await c.patch("/apis/example.com/v1/namespaces/default/widgets/w", ["spec": ["size": 2]])
            #expect(resized.body.generation == 2)
            // The main endpoint ignores status changes.
            let ignored = try await c.patch("/apis/example.com/v1/namespaces/default/widgets/w", ["status": ["phase": "x"]])
            #expect(ignored.body["status"].isNull)
            #expect(ignored.body.resourceVersion == resized.body.resourceVersion)
            // /status changes only status, without a generation bump.
            let status = try await c.patch("/apis/example.com/v1/namespaces/default/widgets/w/status",
                                           ["status": ["phase": "Ready"], "spec": ["size": 99]])
            #expect(status.code == 200)
            #expect(status.body[path: "status", "phase"] == "Ready")
            #expect(status.body[path: "spec", "size"] == 2)
            #expect(status.body.generation == 2)
            var put = status.body
            put["status"] = ["phase": "Done"]
            let putStatus = try await c.put("/apis/example.com/v1/namespaces/default/widgets/w/status", put)
            #expect(putStatus.body[path: "status", "phase"] == "Done")
            // The other served version sees the same object under its own apiVersion.
            let beta = try await c.get("/apis/example.com/v1beta1/namespaces/default/widgets/w")
            #expect(beta.body.apiVersion == "example.com/v1beta1")
            #expect(beta.body[path: "status", "phase"] == "Done")
            // Kinds without a status subresource have no /status endpoint.
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("c"))
            #expect(try await c.get("/api/v1/namespaces/default/configmaps/c/status").code == 404)
        }
    }

    @Test func fluxReportNameRule() async throws {
        try await withSim { c in
            var fleet = FleetOptions(seed: 1, objects: 0)
            fleet.nodes = 0
            try c.sim.loadFleet(fleet)
            let report: JSONValue = ["apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxReport",
                                     "metadata": ["name": "other", "namespace": "flux-system"], "spec": [:]]
            let rejected = try await c.post("/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxreports", report)
            #expect(rejected.code == 422)
            #expect(rejected.body["message"].string?.contains("the only accepted name for a FluxReport is 'flux'") == true)
            var good = report
            good["metadata"]["name"] = "flux"
            #expect(try await c.post("/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxreports", good).code == 201)
        }
    }

    @Test func deleteCollectionAndPreconditions() async throws {
        try await withSim { c in
            for i in 0..<3 { _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("d\(i)", labels: ["del": i < 2 ? "yes" : "no"])) }
            #expect(try await c.request("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=del%3Dyes").code == 200)
            let left = try await c.get("/api/v1/namespaces/default/configmaps")
            #expect(left.body["items"].array?.map(\.name) == ["d2"])
            let wrongUID = try await c.request("DELETE", "/api/v1/namespaces/default/configmaps/d2", json: ["preconditions": ["uid": "nope"]])
            #expect(wrongUID.code == 409)
        }
    }
}
