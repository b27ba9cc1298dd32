import FluxReport
import Foundation
import KubeCore
import TestSupport
import Testing

extension EndToEnd {
    /// `/metrics` of the binary: live updates from watch events, deleted objects, object labels,
    /// the gotk switch, and the format checked by promtool.
    @Suite("E2E: metrics", .timeLimit(.minutes(3)))
    struct MetricsE2ETests {
        static let gitRepositories = E2EEnvironment.kinds.gitRepositories

        /// Two tenant GitRepositories that are Ready True and not suspended.
        static func pickRepositories(_ env: E2EEnvironment) async throws -> (JSONValue, JSONValue) {
            let items = try await env.client.listAll(gitRepositories, namespace: nil).items.filter {
                $0.namespace != "flux-system" && $0["spec"]["suspend"].bool != true
                    && $0.condition("Ready")?.status == "True"
            }
            guard items.count >= 2 else { throw E2EEnvironment.Failure(description: "fleet has fewer than 2 ready GitRepositories") }
            return (items[0], items[1])
        }

        @Test("object changes and deletions show on /metrics at once; object labels; promtool check metrics")
        func liveMetrics() async throws {
            try await E2EEnvironment.with { env in
                let (changed, deleted) = try await Self.pickRepositories(env)
                try env.sim.modify(Self.gitRepositories, namespace: changed.namespace, name: changed.name) {
                    $0["metadata"]["labels"]["team"] = "platform"
                }
                try await env.withOperator(arguments: ["--metrics-object-labels=team", "--reporting-interval=10m"]) { op in
                    let changedSeries: [String: String] = ["kind": "GitRepository", "name": changed.name,
                                                            "exported_namespace": changed.namespace ?? ""]
                    let before = try await eventually("flux_resource_info for \(changed.name)", timeout: .seconds(20)) {
                        try await op.metrics().series("flux_resource_info", changedSeries).first
                    }
                    #expect(before.labels["ready"] == "True")
                    #expect(before.labels["label_team"] == "platform", "\(before)")
                    #expect(before.labels["uid"]?.isEmpty == false)
                    #expect(before.labels["url"]?.isEmpty == false)

                    // Ready False: the series follows without waiting for the 10m interval.
                    var status = changed["status"]
                    status["conditions"] = [["type": "Ready", "status": "False", "reason": "GitOperationFailed",
                                             "message": "failed to checkout: connection refused", "lastTransitionTime": "2025-01-01T00:00:00Z"]]
                    try env.sim.setStatus(Self.gitRepositories, namespace: changed.namespace, name: changed.name, status: status)
                    let changedAt = ContinuousClock.now
                    try await waitUntil("flux_resource_info ready=False for \(changed.name)", timeout: .seconds(5), interval: .milliseconds(50)) {
                        let series = try await op.metrics().series("flux_resource_info", changedSeries)
                        return series.count == 1 && series[0].labels["ready"] == "False" && series[0].labels["reason"] == "GitOperationFailed"
                    }
                    let lag = ContinuousClock.now - changedAt
                    #expect(lag <= .seconds(2), "metrics updated after \(lag)")

                    // Deletion: the info series goes, gotk keeps Deleted=1.
                    let deletedSeries: [String: String] = ["kind": "GitRepository", "name": deleted.name,
                                                            "exported_namespace": deleted.namespace ?? ""]
                    #expect(try await op.metrics().series("flux_resource_info", deletedSeries).count == 1)
                    try env.sim.delete(Self.gitRepositories, namespace: deleted.namespace, name: deleted.name)
                    try await waitUntil("flux_resource_info of deleted \(deleted.name) disappears", timeout: .seconds(5), interval: .milliseconds(50)) {
                        try await op.metrics().series("flux_resource_info", deletedSeries).isEmpty
                    }
                    let gotk = try await op.metrics().series("gotk_reconcile_condition", [
                        "kind": "GitRepository", "name": deleted.name, "namespace": deleted.namespace ?? "", "type": "Ready",
                    ])
                    #expect(gotk.first { $0.labels["status"] == "Deleted" }?.value == 1, "gotk series after delete: \(gotk)")
                    #expect(gotk.filter { $0.labels["status"] != "Deleted" }.allSatisfy { $0.value == 0 }, "\(gotk)")
                    let gotkChanged = try await op.metrics().series("gotk_reconcile_condition", [
                        "kind": "GitRepository", "name": changed.name, "namespace": changed.namespace ?? "",
                    ])
                    #expect(gotkChanged.first { $0.labels["status"] == "False" }?.value == 1, "\(gotkChanged)")

                    let all = try await op.metrics()
                    #expect(all.named("flux_operator_info").count == 1)
                    #expect(!all.named("gotk_suspend_status").isEmpty)
                    #expect(!all.named("controller_runtime_reconcile_total").isEmpty)
                    try await Self.promtoolCheck(try await op.metricsText())
                }
            }
        }

        @Test("object label keys that sanitize to one name keep every later label_ value aligned")
        func collidingObjectLabelKeys() async throws {
            try await E2EEnvironment.with { env in
                let (repository, _) = try await Self.pickRepositories(env)
                try env.sim.modify(Self.gitRepositories, namespace: repository.namespace, name: repository.name) {
                    $0["metadata"]["labels"]["my.team"] = "dots"
                    $0["metadata"]["labels"]["my-team"] = "dashes"
                    $0["metadata"]["labels"]["app"] = "web"
                }
                // my.team and my-team both become label_my_team: the first key wins, and app must still be app.
                try await env.withOperator(arguments: ["--metrics-object-labels=my.team,my-team,app", "--reporting-interval=10m"]) { op in
                    let series = try await eventually("flux_resource_info for \(repository.name)", timeout: .seconds(20)) {
                        try await op.metrics().series("flux_resource_info", ["kind": "GitRepository", "name": repository.name,
                                                                              "exported_namespace": repository.namespace ?? ""]).first
                    }
                    #expect(series.labels["label_my_team"] == "dots", "\(series)")
                    #expect(series.labels["label_app"] == "web", "\(series)")
                }
            }
        }

        @Test("--disable-gotk-metrics removes every gotk_ series and keeps flux_resource_info")
        func disableGotk() async throws {
            try await E2EEnvironment.with(fleet: E2EEnvironment.fleet(seed: 7, objects: 60)) { env in
                try await env.withOperator(arguments: ["--disable-gotk-metrics"]) { op in
                    let samples = try await eventually("flux_resource_info series", timeout: .seconds(20)) {
                        let samples = try await op.metrics()
                        return samples.named("flux_resource_info").count >= 60 ? samples : nil
                    }
                    let gotk = samples.filter { $0.name.hasPrefix("gotk_") }
                    #expect(gotk.isEmpty, "gotk series with --disable-gotk-metrics: \(gotk.prefix(3))")
                    let text = try await op.metricsText()
                    #expect(!text.contains("gotk_"), "a gotk_ name is still in the output (HELP/TYPE lines?)")
                }
            }
        }

        @Test("--metrics-gotk-resource-info: one gotk_resource_info per object of the KSM config's kinds, off by default")
        func gotkResourceInfo() async throws {
            try await E2EEnvironment.with(fleet: E2EEnvironment.fleet(seed: 11, objects: 80)) { env in
                try await env.withOperator { op in
                    _ = try await eventually("flux_resource_info series", timeout: .seconds(20)) {
                        try await op.metrics().named("flux_resource_info").count >= 80 ? true : nil
                    }
                    #expect(!(try await op.metricsText()).contains("gotk_resource_info"), "exported without the flag")
                }
                try await env.withOperator(arguments: ["--metrics-gotk-resource-info"]) { op in
                    let samples = try await eventually("flux_resource_info series", timeout: .seconds(20)) {
                        let samples = try await op.metrics()
                        return samples.named("flux_resource_info").count >= 80 ? samples : nil
                    }
                    let info = samples.named("flux_resource_info").filter { GotkResourceInfo.kinds.contains($0.labels["kind"] ?? "") }
                    let gotk = samples.named("gotk_resource_info")
                    #expect(info.count > 20)
                    func key(_ kind: String?, _ namespace: String?, _ name: String?) -> String { "\(kind ?? "")/\(namespace ?? "")/\(name ?? "")" }
                    #expect(Set(gotk.map { key($0.labels["customresource_kind"], $0.labels["exported_namespace"], $0.labels["name"]) })
                            == Set(info.map { key($0.labels["kind"], $0.labels["exported_namespace"], $0.labels["name"]) }))
                    #expect(gotk.count == info.count, "one series per object")
                    for series in gotk {
                        #expect(series.value == 1)
                        let kind = series.labels["customresource_kind"] ?? ""
                        let object = info.first { $0.labels["kind"] == kind && $0.labels["name"] == series.labels["name"]
                            && $0.labels["exported_namespace"] == series.labels["exported_namespace"] }
                        #expect(series.labels["customresource_group"].map { !$0.isEmpty } == true, "\(series)")
                        if let ready = series.labels["ready"], kind != "Alert", kind != "Provider" {
                            #expect(object?.labels["ready"] == ready, "\(series)")
                        }
                    }
                    try await Self.promtoolCheck(try await op.metricsText())
                }
            }
        }

        /// `promtool check metrics` on the output; a printed, visible skip when promtool is missing.
        static func promtoolCheck(_ text: String) async throws {
            guard let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
                print("⚠️ SKIPPED: promtool is not installed, `promtool check metrics` was NOT run (apt-get install prometheus)")
                return
            }
            let result = try await ChildProcess.run(promtool, ["check", "metrics"], input: text)
            #expect(result.status == 0, "promtool check metrics failed:\n\(result.stdout)\(result.stderr)")
        }
    }
}
