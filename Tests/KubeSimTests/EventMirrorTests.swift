import Foundation
import KubeCore
import KubeSim
import Testing

/// core/v1 and events.k8s.io/v1 Events are two views of the same objects, as in Kubernetes.
@Suite("KubeSim events in both groups")
struct EventMirrorTests {
    @Test func anEventWrittenThroughEitherAPIIsSeenThroughBoth() async throws {
        try await withSim { c in
            let event: JSONValue = [
                "apiVersion": "events.k8s.io/v1", "kind": "Event",
                "metadata": ["name": "flux.1", "namespace": "default"],
                "regarding": ["apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxReport", "name": "flux", "namespace": "default"],
                "note": "sync failed", "reason": "SyncFailed", "type": "Warning", "action": "Reconcile",
                "reportingController": "flux-report-operator", "reportingInstance": "pod-0",
                "eventTime": "2026-11-22T10:00:00.000000Z",
            ]
            let created = try await c.post("/apis/events.k8s.io/v1/namespaces/default/events", event)
            #expect(created.code == 201)

            // The core/v1 view: same object, legacy field names.
            let core = try await c.get("/api/v1/namespaces/default/events/flux.1")
            #expect(core.code == 200)
            #expect(core.body["apiVersion"] == "v1")
            #expect(core.body[path: "involvedObject", "kind"] == "FluxReport")
            #expect(core.body["message"] == "sync failed")
            #expect(core.body["reportingComponent"] == "flux-report-operator")
            #expect(core.body.uid == created.body.uid)
            #expect(core.body.resourceVersion == created.body.resourceVersion)
            let list = try await c.get("/api/v1/namespaces/default/events")
            #expect(list.body["items"].array?.count == 1)

            // A repeat patched through core/v1 (count) shows in events.k8s.io/v1 (deprecatedCount).
            let patched = try await c.patch("/api/v1/namespaces/default/events/flux.1", ["count": 3, "message": "sync failed again"])
            #expect(patched.code == 200)
            let v1 = try await c.get("/apis/events.k8s.io/v1/namespaces/default/events/flux.1")
            #expect(v1.body["deprecatedCount"] == 3)
            #expect(v1.body["note"] == "sync failed again")
            #expect(v1.body[path: "regarding", "name"] == "flux")

            // Deleting through one API removes it from both.
            #expect(try await c.delete("/apis/events.k8s.io/v1/namespaces/default/events/flux.1").code == 200)
            #expect(try await c.get("/api/v1/namespaces/default/events/flux.1").code == 404)
        }
    }
}
