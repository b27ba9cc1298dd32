import FluxReport
import Foundation
import KubeCore
import TestSupport
import Testing

extension EndToEnd {
    /// Signals and leader election between two replicas.
    @Suite("E2E: shutdown and leader election", .timeLimit(.minutes(3)))
    struct ShutdownE2ETests {
        static let fleet = E2EEnvironment.fleet(seed: 3, objects: 40)

        static func leaseHolder(_ env: E2EEnvironment) -> String? {
            env.sim.get(.leases, namespace: "flux-system", name: "flux-report-operator")?[path: "spec", "holderIdentity"].string
        }

        @Test("SIGTERM: exits 0 within 10 s")
        func sigterm() async throws {
            try await E2EEnvironment.with(fleet: Self.fleet) { env in
                try await env.withOperator { op in
                    try await env.waitForCorrectReport()
                    let sent = ContinuousClock.now
                    op.signal(SIGTERM)
                    let code = await op.waitForExit(timeout: .seconds(10))
                    let took = ContinuousClock.now - sent
                    #expect(code == 0, "exit code after SIGTERM: \(code.map(String.init) ?? "still running after 10 s")")
                    #expect(took <= .seconds(10))
                }
            }
        }

        @Test("two replicas with leader election: one leader writes and exports; SIGTERM hands over")
        func leaderElection() async throws {
            try await E2EEnvironment.with(fleet: Self.fleet) { env in
                try await env.withOperator(podName: "replica-a", arguments: ["--enable-leader-election"]) { a in
                    try await waitUntil("replica-a holds the lease", timeout: .seconds(20)) {
                        Self.leaseHolder(env)?.hasPrefix("replica-a") == true
                    }
                    try await env.waitForCorrectReport()
                    try await env.withOperator(podName: "replica-b", arguments: ["--enable-leader-election", "--log-level", "debug"]) { b in
                        // B is up and has twice found A's lease live (its debug log says so): it must still be a follower.
                        try await waitUntil("replica-b defers to replica-a's lease twice", timeout: .seconds(20)) {
                            b.logLines(containing: "lease held by another replica").count >= 2
                        }
                        #expect(Self.leaseHolder(env)?.hasPrefix("replica-a") == true, "holder: \(Self.leaseHolder(env) ?? "none")")
                        let followerInfo = try await b.metrics().named("flux_resource_info")
                        #expect(followerInfo.isEmpty, "the follower exports \(followerInfo.count) flux_resource_info series")
                        let leaderInfo = try await a.metrics().named("flux_resource_info")
                        #expect(leaderInfo.count >= 40)
                        let masterA = try await a.metrics().named("leader_election_master_status").first?.value
                        let masterB = try await b.metrics().named("leader_election_master_status").first?.value
                        #expect(masterA == 1 && masterB == 0, "leader_election_master_status: a=\(String(describing: masterA)) b=\(String(describing: masterB))")

                        // A leaves: it releases the lease, B takes over well within the lease duration.
                        let sent = ContinuousClock.now
                        a.signal(SIGTERM)
                        let code = await a.waitForExit(timeout: .seconds(10))
                        #expect(code == 0, "leader exit code: \(code.map(String.init) ?? "still running")")
                        try await waitUntil("replica-b takes the lease", timeout: .seconds(40)) {
                            Self.leaseHolder(env)?.hasPrefix("replica-b") == true
                        }
                        let takeover = ContinuousClock.now - sent
                        #expect(takeover <= .seconds(35), "takeover took \(takeover)")

                        // Reports continue under the new leader.
                        let value = "after-takeover-\(Int(Date().timeIntervalSince1970))"
                        try await env.annotateReport("reconcile.fluxcd.io/requestedAt", value)
                        try await waitUntil("the new leader handles requestedAt", timeout: .seconds(15)) {
                            env.report()?[path: "status", "lastHandledReconcileAt"].string == value
                        }
                        try await env.waitForCorrectReport()
                        try await waitUntil("the new leader exports flux_resource_info", timeout: .seconds(10)) {
                            try await b.metrics().named("flux_resource_info").count >= 40
                        }
                    }
                }
            }
        }
    }
}
