import Foundation
import KubeCore
import KubeSim
import Testing

@Suite("KubeSim faults and counters")
struct FaultTests {
    @Test func codeTimesAndRetryAfter() async throws {
        try await withSim { c in
            c.sim.injectFault(Fault(path: "/api/v1/namespaces/default/configmaps", verb: "list", code: 429, times: 2, retryAfterSeconds: 3))
            let first = try await c.get("/api/v1/namespaces/default/configmaps")
            #expect(first.code == 429)
            #expect(first.headers["retry-after"] == "3")
            #expect(first.body[path: "details", "retryAfterSeconds"] == 3)
            #expect(first.body["reason"] == "TooManyRequests")
            // The verb filter: a get is not affected.
            #expect(try await c.get("/api/v1/namespaces/default/configmaps/none").code == 404)
            #expect(try await c.get("/api/v1/namespaces/default/configmaps").code == 429)
            #expect(try await c.get("/api/v1/namespaces/default/configmaps").code == 200)
            #expect(c.sim.faults.isEmpty)
        }
    }

    @Test func everyStatusCodeAndPatterns() async throws {
        try await withSim { c in
            for code in [400, 401, 403, 404, 405, 409, 410, 415, 422, 429, 500, 503] {
                c.sim.injectFault(Fault(path: "/api/v1/nodes", code: code, times: 1))
                let reply = try await c.get("/api/v1/nodes")
                #expect(reply.code == code)
                #expect(reply.body["code"].int == Int64(code))
                #expect(reply.body["kind"] == "Status")
            }
            // Glob pattern across groups, until cleared.
            c.sim.injectFault(Fault(path: "/apis/*/leases", code: 500))
            #expect(try await c.get("/apis/coordination.k8s.io/v1/namespaces/default/leases").code == 500)
            #expect(try await c.get("/apis/coordination.k8s.io/v1/leases").code == 500)
            #expect(try await c.get("/api/v1/nodes").code == 200)
            c.sim.clearFaults()
            #expect(try await c.get("/apis/coordination.k8s.io/v1/leases").code == 200)
        }
    }

    @Test func delayAndHTTPControl() async throws {
        try await withSim { c in
            let injected = try await c.post("/_sim/faults", ["path": "/api/v1/namespaces", "verb": "get", "delayMilliseconds": 300, "times": 1])
            #expect(injected.code == 200)
            let start = ContinuousClock.now
            #expect(try await c.get("/api/v1/namespaces/default").code == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
            _ = try await c.post("/_sim/faults", ["path": "/api/v1", "code": 503])
            #expect(try await c.get("/_sim/faults").body["faults"].array?.count == 1)
            #expect(try await c.get("/api/v1/namespaces").code == 503)
            #expect(try await c.delete("/_sim/faults").code == 200)
            #expect(try await c.get("/api/v1/namespaces").code == 200)
            #expect(try await c.request("GET", "/_sim/stats", token: nil).code == 401)
        }
    }

    @Test func countersPerVerbAndResource() async throws {
        try await withSim { c in
            c.sim.resetRequestCounts()
            _ = try await c.get("/api/v1/namespaces/default/configmaps")
            _ = try await c.get("/api/v1/configmaps")
            _ = try await c.get("/api/v1/configmaps?watch=true&timeoutSeconds=1")
            _ = try await c.post("/api/v1/namespaces/default/configmaps", SimClient.configMap("a"))
            _ = try await c.get("/api/v1/namespaces/default/configmaps/a")
            _ = try await c.patch("/api/v1/namespaces/default/configmaps/a", ["data": ["x": "y"]])
            _ = try await c.get("/apis/apps/v1/deployments")
            #expect(c.sim.requestCount(verb: "list", resource: "configmaps") == 2)
            #expect(c.sim.requestCount(verb: "watch", resource: "configmaps") == 1)
            #expect(c.sim.requestCount(verb: "create", resource: "configmaps") == 1)
            #expect(c.sim.requestCount(verb: "get", resource: "configmaps") == 1)
            #expect(c.sim.requestCount(verb: "patch") == 1)
            #expect(c.sim.requestCount(verb: "list", resource: "deployments.apps") == 1)
            #expect(c.sim.requestCount(verb: "list") == 3)
            let http = try await c.get("/_sim/counters")
            let entry = http.body["counts"].array?.first { $0["verb"] == "watch" }
            #expect(entry?["resource"] == "configmaps")
            #expect(entry?["count"] == 1)
            _ = try await c.delete("/_sim/counters")
            #expect(c.sim.requestCount(verb: "list") == 0)
        }
    }
}
