import FluxReport
import Foundation
import KubeCore
import OperatorTestSupport
import TestSupport
import Testing

extension EndToEnd {
    /// The report the binary writes, against a generated fleet, and the `requestedAt` annotation.
    @Suite("E2E: report", .timeLimit(.minutes(3)))
    struct ReportE2ETests {
        @Test("the report equals the one the domain code computes from a generated fleet")
        func reportMatchesFleet() async throws {
            try await E2EEnvironment.with { env in
                try await env.withOperator { _ in
                    let spec = try await env.waitForCorrectReport()
                    // Guard against comparing two empty reports.
                    #expect(spec.distribution.status == FluxDistributionStatus.installed)
                    #expect(spec.distribution.version == "v2.7.0")
                    #expect(spec.reconcilers.count >= 13)
                    #expect(spec.reconcilers.reduce(0) { $0 + $1.stats.running + $1.stats.suspended } >= 300)
                    #expect(spec.components.count == 6)
                    #expect(spec.sync?.id == "kustomization/flux-system")
                    #expect(spec.cluster?.nodes == 3)
                    let status = try #require(env.report()?["status"])
                    let ready = status["conditions"].array?.first { $0["type"].string == "Ready" }
                    #expect(ready?["status"].string == "True")
                    #expect(ready?["reason"].string == "ReconciliationSucceeded")
                    #expect(ready?["message"].string?.hasPrefix("Reporting finished in ") == true)
                }
            }
        }

        @Test("kubectl annotate requestedAt: handled within a second, with the changes made before it")
        func requestedAtAnnotation() async throws {
            try await E2EEnvironment.with { env in
                try await env.withOperator { _ in
                    try await env.waitForCorrectReport()
                    // A change the report must show once the request is handled.
                    try env.sim.modify(E2EEnvironment.kinds.kustomizations, namespace: "flux-system", name: "flux-system") {
                        $0["spec"]["suspend"] = true
                    }
                    let value = "\(Int(Date().timeIntervalSince1970))-e2e"
                    try await env.annotateReport("reconcile.fluxcd.io/requestedAt", value)
                    let annotated = ContinuousClock.now
                    try await waitUntil("status.lastHandledReconcileAt == \(value)", timeout: .seconds(10), interval: .milliseconds(20)) {
                        env.report()?[path: "status", "lastHandledReconcileAt"].string == value
                    }
                    let elapsed = ContinuousClock.now - annotated
                    #expect(elapsed <= .seconds(1), "requestedAt handled after \(elapsed)")
                    let spec = try #require(env.reportSpec())
                    #expect(spec.sync?.status.hasPrefix("Suspended ") == true, "sync status: \(spec.sync?.status ?? "nil")")
                    let expected = try await ExpectedReport.spec(api: env.client, namespace: "flux-system")
                    #expect(spec == expected, "\(ExpectedReport.diff(got: spec, want: expected))")
                }
            }
        }
    }
}
