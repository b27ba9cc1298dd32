import FluxReport
import Foundation
import KubeCore
import Testing

/// The FluxReport's lifecycle and annotations: recreation after delete, `reconcile: disabled`,
/// `reconcileEvery`.
@Suite("E2E: report lifecycle and annotations", .timeLimit(.minutes(3)))
struct AnnotationsE2ETests {
    static let specPatches = "fluxreports.fluxcd.controlplane.io"
    static let statusPatches = "fluxreports.fluxcd.controlplane.io/status"
    /// A small fleet: these tests are about the FluxReport object, not the fleet.
    static let fleet = E2EEnvironment.fleet(seed: 11, objects: 40)

    static func reportPatches(_ env: E2EEnvironment) -> Int {
        env.sim.requestCount(verb: "patch", resource: specPatches) + env.sim.requestCount(verb: "patch", resource: statusPatches)
    }

    @Test("kubectl delete fluxreport/flux: recreated, with a ReportInitialized event for the new object")
    func recreatedAfterDelete() async throws {
        try await E2EEnvironment.with(fleet: Self.fleet) { env in
            try await env.withOperator { _ in
                try await env.waitForCorrectReport()
                let firstUID = try #require(env.report()?.uid)
                let deleted = try await env.kubectl(["-n", "flux-system", "delete", "fluxreport/flux"])
                #expect(deleted.status == 0, "kubectl delete: \(deleted.stderr)")
                let recreated = try await eventually("FluxReport/flux recreated", timeout: .seconds(15)) { () -> JSONValue? in
                    guard let report = env.report(), report.uid != firstUID, report["spec"].object != nil else { return nil }
                    return report
                }
                try await env.waitForCorrectReport()
                let newUID = recreated.uid
                let event = try await eventually("ReportInitialized event for uid \(newUID)", timeout: .seconds(10)) {
                    try await env.reportEvents().first { event in
                        let uid = event[path: "regarding", "uid"].string ?? event[path: "involvedObject", "uid"].string
                        return event["reason"].string == "ReportInitialized" && uid == newUID
                    }
                }
                #expect(event["type"].string == "Normal")
                let controller = event["reportingController"].string ?? event[path: "source", "component"].string
                #expect(controller == "flux-report-operator", "\(event)")
            }
        }
    }

    @Test("fluxcd.controlplane.io/reconcile: disabled stops every write; enabled resumes")
    func reconcileDisabled() async throws {
        try await E2EEnvironment.with(fleet: Self.fleet) { env in
            try await env.withOperator { _ in
                try await env.waitForCorrectReport()
                try await env.annotateReport("fluxcd.controlplane.io/reconcile", "disabled")
                try await Task.sleep(for: .seconds(1))
                let value = "disabled-\(Int(Date().timeIntervalSince1970))"
                try await env.annotateReport("reconcile.fluxcd.io/requestedAt", value)
                let resourceVersion = env.report()?.resourceVersion
                env.sim.resetRequestCounts()
                // A change that would show in the report if one were written.
                try env.sim.modify(E2EEnvironment.kinds.kustomizations, namespace: "flux-system", name: "flux-system") {
                    $0["spec"]["suspend"] = true
                }
                try await Task.sleep(for: .seconds(3))
                #expect(Self.reportPatches(env) == 0, "the operator patched the report while reporting was disabled")
                #expect(env.report()?.resourceVersion == resourceVersion)
                #expect(env.report()?[path: "status", "lastHandledReconcileAt"].string != value)

                try await env.annotateReport("fluxcd.controlplane.io/reconcile", "enabled")
                try await waitUntil("the pending request is handled once reporting is enabled", timeout: .seconds(10)) {
                    env.report()?[path: "status", "lastHandledReconcileAt"].string == value
                }
                #expect(env.reportSpec()?.sync?.status.hasPrefix("Suspended ") == true)
            }
        }
    }

    @Test("fluxcd.controlplane.io/reconcileEvery: 2s reports at that cadence")
    func reconcileEvery() async throws {
        try await E2EEnvironment.with(fleet: Self.fleet) { env in
            try await env.withOperator(arguments: ["--reporting-interval", "5m"]) { _ in
                try await env.waitForCorrectReport()
                try await env.annotateReport("fluxcd.controlplane.io/reconcileEvery", "2s")
                try await Task.sleep(for: .milliseconds(500))
                env.sim.resetRequestCounts()
                let window = Duration.seconds(7)
                try await Task.sleep(for: window)
                let applies = env.sim.requestCount(verb: "patch", resource: Self.specPatches)
                // 7 s at a 2 s cadence: 3 reports, give or take one for timing.
                #expect((2...5).contains(applies), "\(applies) spec applies in \(window) with reconcileEvery=2s")
                // And with no annotation, the 5m default: nothing in the same window.
                try await env.annotateReport("fluxcd.controlplane.io/reconcileEvery", "5m")
                try await Task.sleep(for: .milliseconds(2500))
                env.sim.resetRequestCounts()
                try await Task.sleep(for: .seconds(3))
                #expect(env.sim.requestCount(verb: "patch", resource: Self.specPatches) == 0, "reports kept coming after reconcileEvery=5m")
            }
        }
    }
}
