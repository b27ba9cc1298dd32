import FluxReport
import Foundation
import KubeClient
import KubeCore
import KubeSim
import Testing
import TestSupport

extension EndToEnd {
    /// `problems` and `why` with the built binary against KubeSim: a known failing chain, a healthy
    /// fleet, a wrong token, an unknown object; the exit codes of README, Command line; and the
    /// counts against the operator's own signal series for the same objects.
    @Suite("E2E: problems and why", .timeLimit(.minutes(3)))
    struct DiagnosisCommandE2ETests {
        static let namespace = "flux-system"

        /// A fleet with nothing failing, in progress or suspended: the objects below are the only problems.
        static func quietFleet() -> FleetOptions {
            var fleet = E2EEnvironment.fleet(seed: 7, objects: 60)
            fleet.failingFraction = 0
            fleet.progressingFraction = 0
            fleet.suspendedFraction = 0
            return fleet
        }

        static func kustomization(_ name: String, dependsOn: String? = nil, ready: String, reason: String) -> JSONValue {
            var spec: JSONValue = ["interval": "10m", "path": "./", "prune": true, "sourceRef": ["kind": "GitRepository", "name": "chain-repo"]]
            if let dependsOn { spec["dependsOn"] = [["name": .string(dependsOn)]] }
            return SignalsE2ETests.object("Kustomization", "kustomize.toolkit.fluxcd.io/v1", name, spec: spec,
                                          status: ["observedGeneration": 1, "conditions": [SignalsE2ETests.ready(ready, reason)]])
        }

        /// chain-root fails; chain-1 ← chain-2 ← chain-3 wait on it through `dependsOn`; chain-app, a
        /// HelmRelease, waits on its failing HelmRepository chain-charts.
        static let chain: [JSONValue] = [
            SignalsE2ETests.object("GitRepository", "source.toolkit.fluxcd.io/v1", "chain-repo", spec: ["interval": "1m", "url": "https://example.com/r"],
                                   status: ["observedGeneration": 1, "conditions": [SignalsE2ETests.ready("True", "Succeeded")]]),
            kustomization("chain-root", ready: "False", reason: "BuildFailed"),
            kustomization("chain-1", dependsOn: "chain-root", ready: "False", reason: "DependencyNotReady"),
            kustomization("chain-2", dependsOn: "chain-1", ready: "False", reason: "DependencyNotReady"),
            kustomization("chain-3", dependsOn: "chain-2", ready: "False", reason: "DependencyNotReady"),
            SignalsE2ETests.object("HelmRepository", "source.toolkit.fluxcd.io/v1", "chain-charts", spec: ["interval": "10m", "url": "https://charts.example.com"],
                                   status: ["observedGeneration": 1, "conditions": [SignalsE2ETests.ready("False", "IndexationFailed")]]),
            SignalsE2ETests.object("HelmRelease", "helm.toolkit.fluxcd.io/v2", "chain-app",
                                   spec: ["interval": "10m", "chart": ["spec": ["chart": "app", "sourceRef": ["kind": "HelmRepository", "name": "chain-charts"]]]],
                                   status: ["observedGeneration": 1, "conditions": [SignalsE2ETests.ready("False", "DependencyNotReady")]]),
        ]

        static func run(_ env: E2EEnvironment, _ arguments: [String], kubeconfig: String? = nil) async throws -> ChildProcess.Outcome {
            try await ChildProcess.run(try OperatorBinary.path(), arguments + ["--kubeconfig", kubeconfig ?? env.kubeconfigPath],
                                       timeout: .seconds(45))
        }

        @Test("a failing chain: root causes ranked, the chain explained, exit 1; counts equal the operator's series")
        func failingChain() async throws {
            try await E2EEnvironment.with(fleet: Self.quietFleet()) { env in
                _ = try env.sim.load(objects: Self.chain, namespace: Self.namespace)
                env.sim.resetRequestCounts()

                let json = try await Self.run(env, ["problems", "-o", "json"])
                #expect(json.status == 1, "stderr: \(json.stderr)")
                let problems = try JSONValue.parse(json.stdout)
                let roots = problems[path: "rootCauses", "items"].array ?? []
                #expect(roots.map { "\($0["kind"].string ?? "")/\($0["name"].string ?? "")" }
                        == ["Kustomization/chain-root", "HelmRepository/chain-charts"], "\(json.stdout.prefix(2000))")
                #expect(roots.map { $0["blocks"].int ?? -1 } == [3, 1])
                #expect(roots.first?["reason"].string == "BuildFailed")
                #expect(problems[path: "counts", "failing"].int == 2)
                #expect(problems[path: "counts", "blocked"].int == 4)
                #expect(problems[path: "counts", "rootCauses"].int == 2)
                for verb in ["create", "update", "patch", "delete"] {
                    #expect(env.sim.requestCount(verb: verb) == 0, "\(verb) requests made by `problems`")
                }

                let table = try await Self.run(env, ["problems"])
                #expect(table.status == 1)
                #expect(table.stdout.contains("ROOT CAUSES (2)\nKIND "), "\(table.stdout)")
                let rootLine = table.stdout.split(separator: "\n").first { $0.contains("chain-root") } ?? ""
                #expect(rootLine.split(separator: " ").prefix(6) == ["Kustomization", "flux-system", "chain-root", "3", "BuildFailed", "failing"],
                        "\(table.stdout)")

                let why = try await Self.run(env, ["why", "kustomization/flux-system/chain-3"])
                #expect(why.status == 1, "stderr: \(why.stderr)")
                #expect(why.stdout.contains("blocked by Kustomization flux-system/chain-root"), "\(why.stdout)")
                #expect(why.stdout.contains("Kustomization flux-system/chain-3 → Kustomization flux-system/chain-2 → "
                                            + "Kustomization flux-system/chain-1 → Kustomization flux-system/chain-root"), "\(why.stdout)")

                let app = try await Self.run(env, ["why", "HelmRelease/flux-system/chain-app", "-o", "json"])
                #expect(app.status == 1, "stderr: \(app.stderr)")
                let paths = try JSONValue.parse(app.stdout)[path: "pathsToRootCauses", "items"].array?.map { $0.array?.compactMap(\.string) ?? [] }
                #expect(paths == [["HelmRelease/flux-system/chain-app", "HelmRepository/flux-system/chain-charts"]], "\(app.stdout)")
                let yaml = try await Self.run(env, ["why", "HelmRelease/flux-system/chain-app", "-o", "yaml"])
                #expect(yaml.status == 1)
                #expect(yaml.stdout.contains("pathsToRootCauses:") && yaml.stdout.contains("- HelmRepository/flux-system/chain-charts\n"), "\(yaml.stdout)")

                let root = try await Self.run(env, ["why", "Kustomization/flux-system/chain-root", "-o", "json"])
                #expect(root.status == 1)
                let explained = try JSONValue.parse(root.stdout)
                #expect(explained[path: "object", "blocks"].int == 3)
                #expect(explained[path: "dependents", "items"].array?.compactMap { $0["name"].string } == ["chain-1"], "\(root.stdout)")

                let repo = try await Self.run(env, ["why", "GitRepository/flux-system/chain-repo", "-o", "json"])
                #expect(repo.status == 0, "stderr: \(repo.stderr)")
                let readers = try JSONValue.parse(repo.stdout)[path: "dependents", "items"].array?.compactMap { $0["name"].string } ?? []
                #expect(Set(readers) == ["chain-root", "chain-1", "chain-2", "chain-3"], "\(repo.stdout)")

                let unknown = try await Self.run(env, ["why", "Kustomization/flux-system/nope"])
                #expect(unknown.status == 5)
                #expect(unknown.stderr == "error: Kustomization flux-system/nope not found\n", "\(unknown.stderr)")
                #expect(unknown.stdout.isEmpty)
                let malformed = try await Self.run(env, ["why", "chain-3"])
                #expect(malformed.status == 2)
                #expect(malformed.stderr.contains("want KIND/NAMESPACE/NAME"), "\(malformed.stderr)")

                // The operator's series for the same objects give the same counts.
                try await env.withOperator(arguments: ["--reporting-interval=2s"]) { op in
                    try await op.waitUntilReady()
                    let samples = try await eventually("the blocked series of the chain", timeout: .seconds(20)) { () -> [PromSample]? in
                        let samples = try await op.metrics()
                        return samples.filter { $0.name == "flux_resource_blocked_since_timestamp_seconds" }.count == 4 ? samples : nil
                    }
                    let again = try JSONValue.parse(try await Self.run(env, ["problems", "-o", "json"]).stdout)["counts"]
                    func series(_ state: String) -> Int64 { Int64(samples.filter { $0.name == "flux_resource_\(state)_since_timestamp_seconds" }.count) }
                    func sum(_ name: String) -> Int64 { Int64(samples.filter { $0.name == name }.reduce(0) { $0 + $1.value }) }
                    #expect(again["failing"].int == series("failing"))
                    #expect(again["blocked"].int == series("blocked"))
                    #expect(again["suspended"].int == series("suspended"))
                    #expect(again["stale"].int == sum("flux_resource_stale"), "\(again)")
                    #expect(again["drifted"].int == sum("flux_resource_drifted"))
                }
            }
        }

        @Test("a healthy fleet: exit 0 for problems and why")
        func healthy() async throws {
            try await E2EEnvironment.with(fleet: Self.quietFleet()) { env in
                let result = try await Self.run(env, ["problems", "-o", "json"])
                #expect(result.status == 0, "stderr: \(result.stderr)\n\(result.stdout.prefix(2000))")
                let counts = try JSONValue.parse(result.stdout)["counts"]
                #expect(counts["failing"].int == 0 && counts["blocked"].int == 0 && counts["rootCauses"].int == 0)
                #expect((counts["objects"].int ?? 0) > 0)
                let table = try await Self.run(env, ["problems"])
                #expect(table.status == 0)
                #expect(table.stdout.contains("Flux objects"), "\(table.stdout)")
                #expect(!table.stdout.contains("ROOT CAUSES"))
                let listed = try await env.client.list(SignalsE2ETests.kustomizations, namespace: nil, options: ListOptions(limit: 1))
                let any = try #require(listed.items.first)
                let name = any[path: "metadata", "name"].string ?? ""
                let ns = any[path: "metadata", "namespace"].string ?? ""
                let why = try await Self.run(env, ["why", "Kustomization/\(ns)/\(name)"])
                #expect(why.status == 0, "stderr: \(why.stderr)")
                #expect(why.stdout.hasPrefix("Kustomization \(ns)/\(name)\n  Ready:        True"), "\(why.stdout)")
            }
        }

        @Test("a wrong token fails fast with the reason (exit 3); bad flags are usage errors (exit 2)")
        func failures() async throws {
            try await E2EEnvironment.with(fleet: nil) { env in
                let path = try ReportFailuresE2ETests.kubeconfig(env, "wrong-token") { text in
                    ReportFailuresE2ETests.replacingLines(text) { $0.trimmingCharacters(in: .whitespaces).hasPrefix("token:") ? "    token: not-the-token" : String($0) }
                }
                for command in [["problems"], ["why", "Kustomization/flux-system/x"]] {
                    let started = ContinuousClock.now
                    let result = try await Self.run(env, command, kubeconfig: path)
                    #expect(ContinuousClock.now - started < .seconds(10))
                    #expect(result.status == 3, "\(command): \(result.stderr)")
                    #expect(result.stdout.isEmpty)
                    #expect(result.stderr.hasPrefix("error: 401 Unauthorized") && result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
                }
                for bad in [["problems", "-o", "xml"], ["problems", "--timeout", "0s"], ["problems", "--long-suspension", "x"],
                            ["problems", "--limit", "0"], ["why", "a/b"], ["problems", "--stale-interval-factor", "0"]] {
                    let result = try await Self.run(env, bad)
                    #expect(result.status == 2, "\(bad): \(result.stderr)")
                    #expect(result.stderr.hasPrefix("error: "), "\(bad): \(result.stderr)")
                }
            }
        }
    }
}
