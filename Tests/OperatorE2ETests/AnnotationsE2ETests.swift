import FluxReport
import Foundation
import KubeCore
import TestSupport
import Testing

extension EndToEnd {
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

        /// From one report written (counts reset, then the first) to the third: two reporting intervals.
        static func twoIntervals(_ env: E2EEnvironment, timeout: Duration) async throws -> Duration {
            env.sim.resetRequestCounts()
            let applies = { env.sim.requestCount(verb: "patch", resource: Self.specPatches) }
            try await waitUntil("a first report after the reset", timeout: .seconds(10), interval: .milliseconds(5)) { applies() >= 1 }
            let first = ContinuousClock.now
            try await waitUntil("two more reports", timeout: timeout, interval: .milliseconds(5)) { applies() >= 3 }
            return ContinuousClock.now - first
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
                try await env.withOperator(arguments: ["--log-level", "debug"]) { op in
                    try await env.waitForCorrectReport()
                    try await env.annotateReport("fluxcd.controlplane.io/reconcile", "disabled")
                    // Reconciles run one at a time, so once one has seen the annotation every later one does.
                    try await waitUntil("the operator sees reporting disabled", timeout: .seconds(10)) {
                        !op.logLines(containing: "reporting disabled by annotation").isEmpty
                    }
                    env.sim.resetRequestCounts()
                    // A change that would show in the report if one were written, then a request for a
                    // report, both made in the simulator directly so that no request of ours is counted.
                    try env.sim.modify(E2EEnvironment.kinds.kustomizations, namespace: "flux-system", name: "flux-system") {
                        $0["spec"]["suspend"] = true
                    }
                    let value = "disabled-\(Int(Date().timeIntervalSince1970))"
                    try env.sim.modify(FluxReportAPI.gvr, namespace: "flux-system", name: "flux") {
                        $0["metadata"]["annotations"]["reconcile.fluxcd.io/requestedAt"] = .string(value)
                    }
                    let resourceVersion = env.report()?.resourceVersion
                    try await waitUntil("the operator declines the request while disabled", timeout: .seconds(10)) {
                        !op.logLines(containing: "reporting disabled by annotation", value).isEmpty
                    }
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

        @Test("fluxcd.controlplane.io/reconcileEvery: 2s reports at that cadence; 5m schedules the next in 5m")
        func reconcileEvery() async throws {
            try await E2EEnvironment.with(fleet: Self.fleet) { env in
                try await env.withOperator(arguments: ["--reporting-interval", "5m"]) { op in
                    try await env.waitForCorrectReport()
                    try await env.annotateReport("fluxcd.controlplane.io/reconcileEvery", "2s")
                    // Three reports in a row at the 2 s cadence: the first and third are two intervals
                    // apart (the 5m default would time this wait out).
                    try await waitUntil("a report scheduled at the 2s cadence", timeout: .seconds(10)) {
                        !op.logLines(containing: "report written", "\"next\":\"2s\"").isEmpty
                    }
                    let spacing = try await Self.twoIntervals(env, timeout: .seconds(15))
                    #expect(spacing >= .milliseconds(3500) && spacing <= .seconds(8), "two reporting intervals took \(spacing) with reconcileEvery=2s")

                    // Back to 5m: the report written for the change says the next one is due in 5m.
                    try await env.annotateReport("fluxcd.controlplane.io/reconcileEvery", "5m")
                    try await waitUntil("a report scheduled 5m ahead", timeout: .seconds(10)) {
                        !op.logLines(containing: "report written", "\"next\":\"5m0s\"").isEmpty
                    }
                }
            }
        }

        @Test("fluxcd.controlplane.io/reconcileEvery: 1ns is raised to the 1 s floor with a warning, not a tight loop of writes")
        func reconcileEveryBelowTheFloor() async throws {
            try await E2EEnvironment.with(fleet: Self.fleet) { env in
                try await env.withOperator(arguments: ["--reporting-interval", "5m"]) { op in
                    try await env.waitForCorrectReport()
                    try await env.annotateReport("fluxcd.controlplane.io/reconcileEvery", "1ns")
                    try await waitUntil("the floor's warning", timeout: .seconds(10)) {
                        !op.logLines(containing: "delay below the floor", "reconcileEvery").isEmpty
                    }
                    try await waitUntil("a report scheduled 1s ahead", timeout: .seconds(10)) {
                        !op.logLines(containing: "report written", "\"next\":\"1s\"").isEmpty
                    }
                    let spacing = try await Self.twoIntervals(env, timeout: .seconds(10))
                    // Two intervals of at least 1 s each (a 1ns interval wrote hundreds of reports a second).
                    #expect(spacing >= .milliseconds(1900), "two reporting intervals took \(spacing) with reconcileEvery=1ns")
                    #expect(op.logLines(containing: "delay below the floor").count == 1, "the warning is logged once")
                }
            }
        }
    }
}
