import Foundation
import KubeCore
import KubeSim
import TestSupport
import Testing

@Suite("KubeSim watch")
struct WatchTests {
    @Test func initialEventsThenLiveChanges() async throws {
        try await withSim { c in
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("a"))
            let watch = Task { try await c.get("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=2") }
            try await waitUntil { c.sim.openWatches >= 1 }
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("b"))
            _ = try await c.patch("/api/v1/namespaces/default/configmaps/a", ["data": ["k": "changed"]])
            _ = try await c.delete("/api/v1/namespaces/default/configmaps/b")
            let reply = try await watch.value
            #expect(reply.code == 200)
            let events = reply.lines.map { "\($0["type"].string ?? "")/\($0["object"].name)" }
            #expect(events == ["ADDED/a", "ADDED/b", "MODIFIED/a", "DELETED/b"])
        }
    }

    @Test func resumeFromResourceVersionAndSelectors() async throws {
        try await withSim { c in
            let first = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("a", labels: ["app": "x"]))
            let rv = try #require(first.body.resourceVersion)
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("b", labels: ["app": "y"]))
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("c", labels: ["app": "x"]))
            let resumed = try await c.get("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&resourceVersion=\(rv)")
            #expect(resumed.lines.map { $0["object"].name } == ["b", "c"])
            let selected = try await c.get("/api/v1/configmaps?watch=1&timeoutSeconds=1&resourceVersion=\(rv)&labelSelector=app%3Dx")
            #expect(selected.lines.map { $0["object"].name } == ["c"])
            let byName = try await c.get("/api/v1/configmaps?watch=1&timeoutSeconds=1&resourceVersion=0&fieldSelector=metadata.name%3Db")
            #expect(byName.lines.map { $0["object"].name } == ["b"])
        }
    }

    @Test func labelSelectedWatchSeesObjectsEnterAndLeave() async throws {
        try await withSim { c in
            let first = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("a", labels: ["app": "x"]))
            let rv = try #require(first.body.resourceVersion)
            _ = try await c.patch("/api/v1/namespaces/default/configmaps/a", ["metadata": ["labels": ["app": "y"]]])
            _ = try await c.patch("/api/v1/namespaces/default/configmaps/a", ["data": ["k": "unseen"]])
            _ = try await c.patch("/api/v1/namespaces/default/configmaps/a", ["metadata": ["labels": ["app": "x"]]])
            _ = try await c.patch("/api/v1/namespaces/default/configmaps/a", ["data": ["k": "seen"]])
            let reply = try await c.get("/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&labelSelector=app%3Dx&resourceVersion=\(rv)")
            #expect(reply.lines.map { $0["type"].string ?? "" } == ["DELETED", "ADDED", "MODIFIED"])
        }
    }

    @Test func bookmarksPeriodicAndBeforeTimeout() async throws {
        try await withSim({ $0.bookmarkInterval = .milliseconds(300) }) { c in
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("a"))
            let start = ContinuousClock.now
            // 3 s of watch at a 300 ms interval: about ten bookmarks; at least three leaves room for
            // a simulator starved by tests running beside this one.
            let reply = try await c.get("/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&timeoutSeconds=3")
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(2900) && elapsed < .seconds(30))
            let types = reply.lines.compactMap { $0["type"].string }
            #expect(types.first == "ADDED")
            #expect(types.last == "BOOKMARK")
            #expect(types.filter { $0 == "BOOKMARK" }.count >= 3)
            let bookmark = try #require(reply.lines.last)
            #expect(bookmark["object"]["kind"] == "ConfigMap")
            #expect(bookmark[path: "object", "metadata", "resourceVersion"].string == String(c.sim.resourceVersion))
            // Without allowWatchBookmarks there are none.
            let plain = try await c.get("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1")
            #expect(!plain.lines.contains { $0["type"] == "BOOKMARK" })
        }
    }

    @Test func goneAfterCompactionAndHistoryBound() async throws {
        try await withSim({ $0.historyLimit = 5 }) { c in
            let first = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("a"))
            let rv = try #require(first.body.resourceVersion)
            for i in 0..<10 { _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("x\(i)")) }
            // Older than the 5 changes kept: 410 as an ERROR event.
            let old = try await c.get("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=5&resourceVersion=\(rv)")
            #expect(old.code == 200)
            let error = try #require(old.lines.first)
            #expect(error["type"] == "ERROR")
            #expect(error[path: "object", "code"] == 410)
            #expect(error[path: "object", "reason"] == "Expired")
            #expect(old.lines.count == 1)
            // Recent enough: replayed. Then compaction makes it too old as well.
            let recent = String(c.sim.resourceVersion - 2)
            let ok = try await c.get("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&resourceVersion=\(recent)")
            #expect(ok.lines.count == 2)
            c.sim.compactHistory()
            let compacted = try await c.get("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=5&resourceVersion=\(recent)")
            #expect(compacted.lines.first?[path: "object", "code"] == 410)
            // A continue token from before compaction expires too.
            let page = try await c.get("/api/v1/namespaces/default/configmaps?limit=2")
            let token = try #require(page.body[path: "metadata", "continue"].string)
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("later"))
            c.sim.compactHistory()
            let expired = try await c.get("/api/v1/namespaces/default/configmaps?limit=2&continue=\(token)")
            #expect(expired.code == 410)
        }
    }

    @Test func dropWatchesEndsStreams() async throws {
        try await withSim { c in
            let watch = Task { try await c.get("/api/v1/configmaps?watch=true&timeoutSeconds=60") }
            try await waitUntil { c.sim.openWatches == 1 }
            let start = ContinuousClock.now
            #expect(c.sim.dropWatches() == 1)
            let reply = try await watch.value
            #expect(reply.code == 200)
            #expect(ContinuousClock.now - start < .seconds(30))  // not the watch's 60 s timeout
            // Over HTTP as well.
            let again = Task { try await c.get("/api/v1/configmaps?watch=true&timeoutSeconds=60") }
            try await waitUntil { c.sim.openWatches == 1 }
            let dropped = try await c.post("/_sim/watches/drop", [:])
            #expect(dropped.body["dropped"] == 1)
            _ = try await again.value
        }
    }

    @Test func crdRemovalEndsWatchesAndStopsServing() async throws {
        try await withSim { c in
            let crd = try await c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", SimClient.widgetCRD)
            #expect(crd.code == 201)
            #expect(crd.body[path: "status", "storedVersions"] == ["v1"])
            #expect(crd.body[path: "status", "acceptedNames", "kind"] == "Widget")
            let established = crd.body[path: "status", "conditions"].array?.first { $0["type"] == "Established" }
            #expect(established?["status"] == "True")
            let discovery = try await c.get("/apis/example.com/v1")
            #expect(discovery.body["resources"].array?.map { $0["name"].string ?? "" } == ["widgets", "widgets/status"])
            #expect(try await c.post("/apis/example.com/v1/namespaces/default/widgets", SimClient.widget("w")).code == 201)

            let watch = Task { try await c.get("/apis/example.com/v1/widgets?watch=true&timeoutSeconds=60") }
            try await waitUntil { c.sim.openWatches == 1 }
            let start = ContinuousClock.now
            #expect(try await c.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").code == 200)
            let reply = try await watch.value
            #expect(ContinuousClock.now - start < .seconds(30))  // not the watch's 60 s timeout
            #expect(reply.lines.map { $0["type"].string ?? "" } == ["ADDED", "DELETED"])
            #expect(try await c.get("/apis/example.com/v1/widgets").code == 404)
            #expect(try await c.get("/apis/example.com/v1").code == 404)
            // Re-creating the CRD serves an empty kind: the objects went with it.
            _ = try await c.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", SimClient.widgetCRD)
            #expect(try await c.get("/apis/example.com/v1/widgets").body["items"] == [])
        }
    }
}
