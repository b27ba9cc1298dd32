import Foundation
import KubeCore
import KubeSim
import Testing

@Suite("KubeSim server-side apply")
struct ApplyTests {
    let path = "/api/v1/namespaces/default/configmaps/app"

    @Test func applyCreatesThenUpdatesWithManagedFields() async throws {
        try await withSim { c in
            let yaml = """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: app
                  labels:
                    owner: alice
                data:
                  a: "1"
                  b: "2"
                """
            let created = try await c.request("PATCH", path + "?fieldManager=alice", body: yaml, contentType: "application/apply-patch+yaml")
            #expect(created.code == 201)
            #expect(created.body[path: "data", "a"] == "1")
            let entries = created.body[path: "metadata", "managedFields"].array ?? []
            #expect(entries.count == 1)
            #expect(entries.first?["manager"] == "alice")
            #expect(entries.first?["operation"] == "Apply")
            #expect(entries.first?[path: "fieldsV1", "f:data", "f:a"] == [:])

            // Applying again without b removes b (alice owned it, nobody else does).
            let json: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "app"], "data": ["a": "1"]]
            let shrunk = try await c.request("PATCH", path + "?fieldManager=alice", json: json, contentType: "application/apply-patch+yaml")
            #expect(shrunk.code == 200)
            #expect(shrunk.body[path: "data", "b"].isNull)
            #expect(shrunk.body.labels.isEmpty)
        }
    }

    @Test func conflictsAndForce() async throws {
        try await withSim { c in
            let alice: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "app"], "data": ["a": "1"]]
            #expect(try await c.request("PATCH", path + "?fieldManager=alice", json: alice, contentType: "application/apply-patch+yaml").code == 201)
            var bob = alice
            bob["data"]["a"] = "2"
            let conflict = try await c.request("PATCH", path + "?fieldManager=bob", json: bob, contentType: "application/apply-patch+yaml")
            #expect(conflict.code == 409)
            #expect(conflict.body["reason"] == "Conflict")
            #expect(conflict.body["message"].string?.contains("conflict with \"alice\"") == true)
            // Same value: shared ownership, no conflict.
            #expect(try await c.request("PATCH", path + "?fieldManager=carol", json: alice, contentType: "application/apply-patch+yaml").code == 200)
            let forced = try await c.request("PATCH", path + "?fieldManager=bob&force=true", json: bob, contentType: "application/apply-patch+yaml")
            #expect(forced.code == 200)
            #expect(forced.body[path: "data", "a"] == "2")
            let managers = forced.body[path: "metadata", "managedFields"].array?.compactMap { $0["manager"].string } ?? []
            #expect(managers.contains("bob"))
            #expect(!managers.contains("alice"))
        }
    }

    @Test func fieldManagerRequiredAndStatusApply() async throws {
        try await withSim { c in
            let body: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "app"], "data": ["a": "1"]]
            let missing = try await c.request("PATCH", path, json: body, contentType: "application/apply-patch+yaml")
            #expect(missing.code == 400)
            #expect(missing.body["message"].string?.contains("fieldManager") == true)
            // Updates are recorded per manager too.
            _ = try await c.request("PATCH", path + "?fieldManager=alice", json: body, contentType: "application/apply-patch+yaml")
            let updated = try await c.patch(path + "?fieldManager=editor", ["data": ["z": "9"]])
            let ops = updated.body[path: "metadata", "managedFields"].array?.map { "\($0["manager"].string ?? ""):\($0["operation"].string ?? "")" } ?? []
            #expect(ops.sorted() == ["alice:Apply", "editor:Update"])

            _ = try await c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", SimClient.widgetCRD)
            _ = try await c.post("/apis/example.com/v1/namespaces/default/widgets", SimClient.widget("w"))
            let status: JSONValue = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w", "namespace": "default"],
                                     "status": ["phase": "Ready"]]
            let applied = try await c.request("PATCH", "/apis/example.com/v1/namespaces/default/widgets/w/status?fieldManager=ctrl&force=true",
                                              json: status, contentType: "application/apply-patch+yaml")
            #expect(applied.code == 200)
            #expect(applied.body[path: "status", "phase"] == "Ready")
            let entry = applied.body[path: "metadata", "managedFields"].array?.first { $0["manager"] == "ctrl" }
            #expect(entry?["subresource"] == "status")
        }
    }
}
