import FluxReport
import Foundation
import KubeCore
import TestSupport
import Testing

extension EndToEnd {
    /// The signals of docs/monitoring.md, Signals, end to end: simulated controllers make objects
    /// stale, suspended (with annotations), drifted and failing in a dependency chain, then recover;
    /// the series and the report's ReconcilersStale condition follow.
    @Suite("E2E: signals", .timeLimit(.minutes(3)))
    struct SignalsE2ETests {
        static let kustomizations = E2EEnvironment.kinds.kustomizations
        static let gitRepositories = E2EEnvironment.kinds.gitRepositories
        static let helmReleases = GroupVersionResource(group: "helm.toolkit.fluxcd.io", version: "v2", resource: "helmreleases", kind: "HelmRelease")
        static let namespace = "flux-system"

        static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }
        static func time(_ seconds: Int64) -> JSONValue { .string(Timestamp.rfc3339(secondsSinceEpoch: seconds)) }

        static func ready(_ status: String, _ reason: String, at: Int64 = now()) -> JSONValue {
            ["type": "Ready", "status": .string(status), "reason": .string(reason), "message": .string("\(reason) (test)"), "lastTransitionTime": time(at)]
        }

        static func object(_ kind: String, _ apiVersion: String, _ name: String, spec: JSONValue, status: JSONValue,
                           annotations: [String: String] = [:]) -> JSONValue {
            var metadata: JSONValue = ["name": .string(name), "namespace": .string(namespace), "generation": 1]
            if !annotations.isEmpty { metadata["annotations"] = .object(annotations.mapValues { .string($0) }) }
            return ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": metadata, "spec": spec, "status": status]
        }

        static func kustomization(_ name: String, dependsOn: [String] = [], suspend: Bool = false, annotations: [String: String] = [:],
                                  status: JSONValue) -> JSONValue {
            object("Kustomization", "kustomize.toolkit.fluxcd.io/v1", name, spec: [
                "interval": "1m", "path": "./", "prune": true, "suspend": .bool(suspend),
                "sourceRef": ["kind": "GitRepository", "name": "sig-repo"],
                "dependsOn": .array(dependsOn.map { ["name": .string($0)] }),
            ], status: status, annotations: annotations)
        }

        @Test("stale, suspended, drifted, failing and blocked objects show on /metrics and in the report, and recover")
        func signalsFollowTheObjects() async throws {
            // No object of the fleet in progress: those (Ready Unknown for up to an hour with 1m intervals)
            // are stale by definition, and the report's condition must be able to turn False.
            var fleet = E2EEnvironment.fleet(seed: 11, objects: 60)
            fleet.progressingFraction = 0
            fleet.failingFraction = 0  // sig-base is then the one failing Kustomization the event must name
            try await E2EEnvironment.with(fleet: fleet) { env in
                let long = Self.now() - 86400
                _ = try env.sim.load(objects: [
                    Self.object("GitRepository", "source.toolkit.fluxcd.io/v1", "sig-repo", spec: ["interval": "1m", "url": "https://example.com/r"],
                                status: ["observedGeneration": 1, "conditions": [Self.ready("True", "Succeeded")]]),
                    // Flux ≥ 2.7 history says it last reconciled a day ago with a 1m interval: stale.
                    Self.kustomization("sig-stale", status: ["observedGeneration": 1, "conditions": [Self.ready("True", "ReconciliationSucceeded", at: long)],
                                                             "history": [["digest": "sha256:1", "firstReconciled": Self.time(long), "lastReconciled": Self.time(long),
                                                                          "lastReconciledDuration": "1s", "lastReconciledStatus": "ReconciliationSucceeded",
                                                                          "totalReconciliations": 3]]]),
                    Self.kustomization("sig-paused", suspend: true,
                                       annotations: ["fluxcd.controlplane.io/suspendedBy": "alice@example.com",
                                                     "fluxcd.controlplane.io/suspendedReason": "incident 42"],
                                       status: ["conditions": [Self.ready("True", "ReconciliationSucceeded")]]),
                    Self.kustomization("sig-base", status: ["observedGeneration": 1, "conditions": [Self.ready("False", "BuildFailed")]]),
                    Self.kustomization("sig-mid", dependsOn: ["sig-base"], status: ["conditions": [Self.ready("False", "DependencyNotReady")]]),
                    Self.kustomization("sig-top", dependsOn: ["sig-mid"], status: ["conditions": [Self.ready("False", "DependencyNotReady")]]),
                    Self.object("HelmRelease", "helm.toolkit.fluxcd.io/v2", "sig-drift",
                                spec: ["interval": "5m", "chart": ["spec": ["chart": "podinfo", "sourceRef": ["kind": "HelmRepository", "name": "podinfo"]]]],
                                status: ["observedGeneration": 1, "conditions": [
                                    Self.ready("True", "UpgradeSucceeded"),
                                    ["type": "Drifted", "status": "True", "reason": "DriftDetected", "message": "Deployment/podinfo changed",
                                     "lastTransitionTime": Self.time(long)],
                                ]]),
                ], namespace: Self.namespace)

                try await env.withOperator(arguments: ["--reporting-interval=2s", "--stale-interval-factor=3"]) { op in
                    func one(_ name: String, _ object: String, _ extra: [String: String] = [:]) async throws -> PromSample? {
                        try await op.metrics().series(name, ["name": object, "exported_namespace": Self.namespace].merging(extra) { a, _ in a }).first
                    }
                    let stale = try await eventually("sig-stale is stale", timeout: .seconds(20)) {
                        try await one("flux_resource_stale_since_timestamp_seconds", "sig-stale", ["kind": "Kustomization"])
                    }
                    #expect(stale.value == Double(long))
                    let last = try await one("flux_resource_last_reconcile_timestamp_seconds", "sig-stale")
                    #expect(last?.labels["evidence"] == "history", "\(String(describing: last))")
                    #expect(try await op.metrics().series("flux_resource_stale", ["kind": "Kustomization"]).first?.value == 1)

                    let paused = try await one("flux_resource_suspended_since_timestamp_seconds", "sig-paused")
                    #expect(paused?.labels["suspended_by"] == "alice@example.com", "\(String(describing: paused))")
                    #expect(paused?.labels["reason"] == "incident 42")
                    #expect(paused?.labels["since_source"] == "observed")

                    let failing = try await one("flux_resource_failing_since_timestamp_seconds", "sig-base")
                    #expect(failing?.labels["reason"] == "BuildFailed", "\(String(describing: failing))")
                    for blocked in ["sig-mid", "sig-top"] {
                        let series = try await one("flux_resource_blocked_since_timestamp_seconds", blocked)
                        #expect(series?.labels["root_kind"] == "Kustomization", "\(blocked): \(String(describing: series))")
                        #expect(series?.labels["root_name"] == "sig-base", "\(blocked): \(String(describing: series))")
                        #expect(series?.labels["root_namespace"] == Self.namespace)
                    }
                    let drift = try await one("flux_resource_drifted_since_timestamp_seconds", "sig-drift", ["kind": "HelmRelease"])
                    #expect(drift?.value == Double(long))
                    #expect(try await op.metrics().series("flux_resource_drifted", ["exported_namespace": Self.namespace]).first?.value == 1)
                    // At most two new series per object by default.
                    let perObject = try await op.metrics().filter { $0.name.hasPrefix("flux_resource_") && $0.name.hasSuffix("_timestamp_seconds")
                        && $0.labels["name"] == "sig-base" }
                    #expect(perObject.count == 2, "\(perObject)")

                    let condition = try await eventually("ReconcilersStale True in the report", timeout: .seconds(20)) { () -> Condition? in
                        guard let c = env.report()?.condition(FluxReportAPI.staleCondition), c.status == "True" else { return nil }
                        return c
                    }
                    #expect(condition.message.contains("Kustomization flux-system/sig-stale"), "\(condition.message)")
                    let named = try await eventually("a ReconcilersFailing event naming sig-base", timeout: .seconds(20)) {
                        try await env.reportEvents().first { ($0["reason"].string ?? "") == "ReconcilersFailing"
                            && ($0["note"].string ?? $0["message"].string ?? "").contains("Kustomization") }
                    }
                    let text = named["note"].string ?? named["message"].string ?? ""
                    #expect(text.contains("flux-system/sig-base (BuildFailed)"), "\(text)")
                    try await MetricsE2ETests.promtoolCheck(try await op.metricsText())

                    // Recovery: the controllers catch up, the user resumes, the drift is corrected.
                    let now = Self.now()
                    _ = try env.sim.setStatus(Self.kustomizations, namespace: Self.namespace, name: "sig-stale", status: [
                        "observedGeneration": 1, "conditions": [Self.ready("True", "ReconciliationSucceeded", at: long)],
                        "history": [["digest": "sha256:1", "firstReconciled": Self.time(long), "lastReconciled": Self.time(now),
                                     "lastReconciledDuration": "1s", "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 4]],
                    ])
                    for name in ["sig-base", "sig-mid", "sig-top"] {
                        _ = try env.sim.setStatus(Self.kustomizations, namespace: Self.namespace, name: name, status: [
                            "observedGeneration": 1, "conditions": [Self.ready("True", "ReconciliationSucceeded")]])
                    }
                    _ = try env.sim.modify(Self.kustomizations, namespace: Self.namespace, name: "sig-paused") { $0["spec"]["suspend"] = false }
                    _ = try env.sim.setStatus(Self.helmReleases, namespace: Self.namespace, name: "sig-drift", status: [
                        "observedGeneration": 1, "conditions": [Self.ready("True", "UpgradeSucceeded"),
                                                                 ["type": "Drifted", "status": "False", "reason": "NoDrift", "message": "ok",
                                                                  "lastTransitionTime": Self.time(now)]]])
                    try await waitUntil("every signal series of the test objects is gone", timeout: .seconds(10)) {
                        let samples = try await op.metrics()
                        let signals = samples.filter { $0.name.hasSuffix("_since_timestamp_seconds") && ($0.labels["name"] ?? "").hasPrefix("sig-") }
                        return signals.isEmpty && samples.series("flux_resource_stale", ["kind": "Kustomization"]).first?.value == 0
                            && samples.series("flux_resource_drifted", ["exported_namespace": Self.namespace]).first?.value == 0
                    }
                    let flips = try await op.metrics().series("flux_resource_ready_transitions_total", ["kind": "Kustomization"]).first
                    #expect((flips?.value ?? 0) >= 3, "sig-base, sig-mid and sig-top went False → True: \(String(describing: flips))")
                    // The fleet's generated ImageRepositories last scanned hours ago (stale by definition): the
                    // report's count must agree with the per-kind series, and sig-stale (fresh again) is not named.
                    try await waitUntil("ReconcilersStale agrees with flux_resource_stale and drops sig-stale (now: \(String(describing: env.report()?.condition(FluxReportAPI.staleCondition))))",
                                        timeout: .seconds(20)) {
                        guard let c = env.report()?.condition(FluxReportAPI.staleCondition) else { return false }
                        let total = try await op.metrics().named("flux_resource_stale").reduce(0) { $0 + Int($1.value) }
                        let count = c.status == "False" ? 0 : Int(c.message.prefix { $0.isNumber }) ?? -1
                        return !c.message.contains("sig-stale") && count == total
                    }
                }
            }
        }
    }
}
