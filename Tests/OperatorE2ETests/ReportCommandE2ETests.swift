import FluxReport
import Foundation
import KubeCore
import KubeSim
import OperatorTestSupport
import TestSupport
import Testing

extension EndToEnd {
    /// `flux-report-operator report`: the one-shot report for a kubeconfig, installing nothing.
    @Suite("E2E: report command", .timeLimit(.minutes(2)))
    struct ReportCommandE2ETests {
        @Test("report -o json prints the report the domain computes, and writes nothing")
        func jsonMatchesFleet() async throws {
            try await E2EEnvironment.with { env in
                env.sim.resetRequestCounts()
                let result = try await ChildProcess.run(
                    try OperatorBinary.path(), ["report", "--kubeconfig", env.kubeconfigPath, "-o", "json"])
                #expect(result.status == 0, "stderr: \(result.stderr)")
                let printed = try JSONValue.parse(result.stdout)
                #expect(printed["kind"].string == "FluxReport")
                #expect(printed[path: "metadata", "namespace"].string == "flux-system")
                let spec = FluxReportSpec(json: printed["spec"])
                let expected = try await ExpectedReport.spec(api: env.client, namespace: "flux-system")
                #expect(spec == expected, "\(ExpectedReport.diff(got: spec, want: expected))")
                let ready = printed[path: "status", "conditions"].array?.first { $0["type"].string == "Ready" }
                #expect(ready?["status"].string == "True")
                // Nothing installed, nothing written.
                #expect(env.report() == nil)
                for verb in ["create", "update", "patch", "delete"] {
                    #expect(env.sim.requestCount(verb: verb) == 0, "\(verb) requests made by `report`")
                }
            }
        }

        @Test("report -o yaml, and a part that cannot be read: exit 1 naming it, the rest still printed")
        func yamlAndFailedPart() async throws {
            try await E2EEnvironment.with { env in
                let ok = try await ChildProcess.run(
                    try OperatorBinary.path(), ["report", "--kubeconfig", env.kubeconfigPath])
                #expect(ok.status == 0, "stderr: \(ok.stderr)")
                #expect(ok.stdout.hasPrefix("apiVersion: fluxcd.controlplane.io/v1\nkind: FluxReport\n"), "\(ok.stdout.prefix(200))")
                #expect(ok.stdout.contains("  sync:\n"))

                // Nodes cannot be listed: the report is printed without that part, and the failure is named.
                env.sim.injectFault(Fault(path: "/api/v1/nodes", verb: "list", code: 403, message: "nodes is forbidden"))
                let failed = try await ChildProcess.run(
                    try OperatorBinary.path(), ["report", "--kubeconfig", env.kubeconfigPath, "--timeout", "3s"])
                #expect(failed.status == 1)
                #expect(failed.stdout.contains("kind: FluxReport"))
                #expect(failed.stderr.contains("Node"), "stderr: \(failed.stderr)")
            }
        }
    }
}
