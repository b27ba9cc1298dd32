import FluxReport
import Foundation
import KubeCore
import TestSupport
import Testing

extension EndToEnd {
    /// Events on the FluxReport for sync failures: one per transition, repeats aggregated.
    @Suite("E2E: events", .timeLimit(.minutes(3)))
    struct EventsE2ETests {
        static let kustomizations = E2EEnvironment.kinds.kustomizations

        static func setSyncReady(_ env: E2EEnvironment, _ status: String, message: String) throws {
            guard var current = env.sim.get(kustomizations, namespace: "flux-system", name: "flux-system")?["status"] else {
                throw E2EEnvironment.Failure(description: "the flux-system Kustomization is missing")
            }
            current["conditions"] = [["type": "Ready", "status": .string(status),
                                      "reason": .string(status == "True" ? "ReconciliationSucceeded" : "BuildFailed"),
                                      "message": .string(message), "lastTransitionTime": "2025-01-01T00:00:00Z"]]
            try env.sim.setStatus(kustomizations, namespace: "flux-system", name: "flux-system", status: current)
        }

        static func waitForSync(_ env: E2EEnvironment, ready: Bool) async throws {
            try await waitUntil("spec.sync.ready == \(ready)", timeout: .seconds(10)) { env.reportSpec()?.sync?.ready == ready }
        }

        /// How many times an event object says it happened (series.count, else the core count, else 1).
        static func occurrences(_ event: JSONValue) -> Int64 {
            event[path: "series", "count"].int ?? event["deprecatedCount"].int.flatMap { $0 > 0 ? $0 : nil } ?? event["count"].int ?? 1
        }

        @Test("sync failure → one SyncFailed Warning, repeats aggregated on one object; recovery → SyncRecovered")
        func syncFailedAndRecovered() async throws {
            try await E2EEnvironment.with(fleet: E2EEnvironment.fleet(seed: 5, objects: 40)) { env in
                try await env.withOperator { _ in
                    try await env.waitForCorrectReport()
                    let failure = "kustomize build failed: accumulating resources: 'apps/missing' not found"
                    try Self.setSyncReady(env, "False", message: failure)
                    try await Self.waitForSync(env, ready: false)
                    let first = try await eventually("a SyncFailed event", timeout: .seconds(10)) {
                        try await env.reportEvents().first { $0["reason"].string == "SyncFailed" }
                    }
                    #expect(first["type"].string == "Warning")
                    let note = first["note"].string ?? first["message"].string ?? ""
                    #expect(note.contains("apps/missing"), "event message: \(note)")

                    // The same failure again (after a recovery in between): the same Event object counts it.
                    for _ in 0..<2 {
                        try Self.setSyncReady(env, "True", message: "Applied revision: main@sha1:abc")
                        try await Self.waitForSync(env, ready: true)
                        try Self.setSyncReady(env, "False", message: failure)
                        try await Self.waitForSync(env, ready: false)
                    }
                    let failed = try await eventually("SyncFailed counted 3 times", timeout: .seconds(10)) { () -> [JSONValue]? in
                        let events = try await env.reportEvents().filter { $0["reason"].string == "SyncFailed" }
                        return events.map(Self.occurrences).reduce(0, +) >= 3 ? events : nil
                    }
                    #expect(failed.count == 1, "SyncFailed events: \(failed.map(\.name)) (want one aggregated object)")
                    #expect(failed.first.map(Self.occurrences) == 3, "\(failed.first.map { "\($0)" } ?? "")")

                    try Self.setSyncReady(env, "True", message: "Applied revision: main@sha1:def")
                    try await Self.waitForSync(env, ready: true)
                    let recovered = try await eventually("a SyncRecovered event", timeout: .seconds(10)) {
                        try await env.reportEvents().first { $0["reason"].string == "SyncRecovered" }
                    }
                    #expect(recovered["type"].string == "Normal")

                    // No event per interval: nothing but transitions happened, so no other SyncFailed object.
                    let all = try await env.reportEvents()
                    #expect(all.filter { $0["reason"].string == "SyncFailed" }.count == 1)
                }
            }
        }
    }
}
