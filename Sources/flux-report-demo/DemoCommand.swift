import ArgumentParser
import CSystemShims
import ControllerRuntime
import FluxReport
import FluxReportOperator
import Foundation
import KubeClient
import KubeCore
import KubeSim
import Logging

/// `flux-report-demo`: the operator against the bundled simulated cluster (KubeSim over HTTPS)
/// loaded with a realistic Flux installation and a generated fleet, with light churn so reports,
/// events and metrics move. Runs until Ctrl-C. A separate executable, so the production binary
/// carries no simulator (no TLS server, no certificate generation).
@main
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flux-report-demo", abstract: "Run the operator against a simulated Flux cluster and show how to look at it.",
        version: BuildInfo.version)

    static func main() async {
        Foundation.exit(await CommandExecution.execute(Self.self))
    }

    @Option(help: "Flux objects in the generated fleet.")
    var objects = 2000

    @Option(help: "Seed of the fleet generator.")
    var seed: UInt64 = 1

    @Option(help: "Flux manifests (CRDs and controller Deployments) to install. Default: ../shared/fixtures/flux/v2.7.0 next to the repository when present, else synthesized ones.")
    var fixtures: String?

    @Option(name: .customLong("kubeconfig-out"), help: "Where to write the simulated cluster's kubeconfig.")
    var kubeconfigOut = "/tmp/flux-report-demo.kubeconfig"

    @Option(name: .customLong("churn-interval"), help: "How often the simulated controllers change something (Go duration, 0 to disable).")
    var churnInterval = "10s"

    /// Every flag of `flux-report-operator run` (with defaults for a laptop), for the operator the demo runs.
    @OptionGroup(title: "Operator options") var operatorOptions: OperatorOptions

    func run() async throws {
        // The simulated cluster, not this machine's environment or service account, decides the namespace.
        var configuration = try operatorOptions.resolve(environment: [:], serviceAccountNamespaceFile: "/nonexistent", defaults: .demo)
        guard let churn = try? GoDuration.parse(churnInterval), churn >= .zero else {
            throw UsageError("invalid --churn-interval \"\(churnInterval)\": want a Go duration, 0 to disable")
        }
        guard objects >= 0 else { throw UsageError("invalid --objects \(objects): must not be negative") }
        let fixturesDirectory = try resolveFixtures()

        RuntimeLogHandler.bootstrap(encoding: configuration.logEncoding == .json ? .json : .console, level: configuration.logLevel.swiftLogLevel)
        let logger = Logger(label: "demo")

        var simOptions = KubeSimOptions()
        simOptions.kubeconfigPath = kubeconfigOut
        let sim: KubeSim
        do {
            sim = try await KubeSim.start(simOptions)
        } catch {
            throw OperatorExit(code: 1, message: "error: cannot start the simulated cluster: \(error)")
        }
        var fleet = FleetOptions(seed: seed, objects: objects)
        fleet.fixturesDirectory = fixturesDirectory
        fleet.fluxOperator = true
        let loaded: Int
        do {
            loaded = try sim.loadFleet(fleet)
            // The real FluxReport CRD (printer columns, schema) rather than the fleet's stand-in.
            _ = try sim.load(yaml: FluxReportAPI.customResourceDefinitionYAML)
        } catch {
            await sim.stop()
            throw OperatorExit(code: 1, message: "error: cannot load the demo fleet: \(error)")
        }

        configuration.kubeconfigPath = kubeconfigOut
        if configuration.metricsObjectLabels.isEmpty { configuration.metricsObjectLabels = ["team"] }
        configuration.podName = "flux-report-operator-demo"
        let app: OperatorApp
        let api: KubernetesClient
        do {
            (app, api, _) = try OperatorApp.connect(configuration: configuration, logger: Logger(label: "flux-report-operator"))
        } catch {
            await sim.stop()
            throw OperatorExit(code: 1, message: "error: cannot read the demo kubeconfig: \(error)")
        }

        printInstructions(sim: sim, loaded: loaded, fixtures: fixturesDirectory, configuration: configuration)
        let churnTask = churn > .zero ? Task { await Self.churn(api: api, every: churn, logger: logger) } : nil
        defer { churnTask?.cancel() }
        do {
            try await app.manager.runUntilSignalled()
        } catch {
            logger.error("operator stopped", metadata: ["error": "\(error)"])
        }
        churnTask?.cancel()
        await sim.stop()
        print("demo stopped; the simulated cluster is gone")
    }

    private func resolveFixtures() throws -> String? {
        let fm = FileManager.default
        if let fixtures {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: fixtures, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw UsageError("invalid --fixtures \"\(fixtures)\": not a directory")
            }
            return fixtures
        }
        // The repository's sibling `shared/` (this binary lives in <repo>/.build/<config>/), else the working directory's.
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let candidates = [
            executable.deletingLastPathComponent().appendingPathComponent("../../../shared/fixtures/flux/v2.7.0").standardized.path,
            URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent("../shared/fixtures/flux/v2.7.0").standardized.path,
        ]
        return candidates.first { fm.fileExists(atPath: $0) }
    }

    private func printInstructions(sim: KubeSim, loaded: Int, fixtures: String?, configuration: OperatorConfiguration) {
        let (metrics, health, web) = (configuration.metricsAddress, configuration.healthAddress, configuration.webAddress)
        let metricsHost = metrics.host == "0.0.0.0" ? "127.0.0.1" : metrics.host
        let healthHost = health.host == "0.0.0.0" ? "127.0.0.1" : health.host
        let page = web.map { "\n  Status page: http://\($0.host == "0.0.0.0" ? "127.0.0.1" : $0.host):\($0.port)/\n" } ?? ""
        // Written unbuffered: stdout may be a pipe, and the demo runs until Ctrl-C.
        FileHandle.standardOutput.write(Data("""

        flux-report-operator demo
        =========================
        Simulated cluster: \(sim.url) with \(loaded) objects (Flux \(fixtures.map { "manifests from \($0)" } ?? "synthesized manifests"), \(objects) Flux objects)
        The operator reports into FluxReport/flux in \(configuration.namespace); the simulated controllers change something every \(churnInterval).
        \(page)
        Look at it from another terminal:
          export KUBECONFIG=\(kubeconfigOut)
          kubectl -n \(configuration.namespace) get fluxreport/flux -o yaml
          kubectl -n \(configuration.namespace) annotate --overwrite fluxreport/flux reconcile.fluxcd.io/requestedAt="$(date +%s)"
          kubectl -n \(configuration.namespace) get events
          kubectl get kustomizations -A
          curl -s http://\(metricsHost):\(metrics.port)/metrics | grep -E '^flux_(resource|report|operator)' | head
          curl -s http://\(healthHost):\(health.port)/readyz

        Press Ctrl-C to stop.


        """.utf8))
    }

    /// Plays the Flux controllers: flips a random object's readiness, and now and then fails and
    /// recovers the cluster sync, so events and live metrics have something to show.
    static func churn(api: any KubeAPI, every interval: Duration, logger: Logger) async {
        let kinds: [GroupVersionResource] = [
            GroupVersionResource(group: "kustomize.toolkit.fluxcd.io", version: "v1", resource: "kustomizations", kind: "Kustomization"),
            GroupVersionResource(group: "helm.toolkit.fluxcd.io", version: "v2", resource: "helmreleases", kind: "HelmRelease"),
            GroupVersionResource(group: "source.toolkit.fluxcd.io", version: "v1", resource: "gitrepositories", kind: "GitRepository"),
        ]
        var generator = SystemRandomNumberGenerator()
        var round = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            round += 1
            do {
                if round % 6 == 3 || round % 6 == 5 {
                    // The cluster sync fails on one round and recovers two rounds later.
                    let failing = round % 6 == 3
                    try await setReady(api: api, resource: kinds[0], namespace: "flux-system", name: "flux-system", ready: !failing,
                                       reason: failing ? "BuildFailed" : "ReconciliationSucceeded",
                                       message: failing ? "kustomize build failed: accumulating resources: missing file ./apps/demo" : "Applied revision: refs/heads/main@sha1:\(randomHex(&generator))")
                    continue
                }
                guard let resource = kinds.randomElement(using: &generator) else { continue }
                let page = try await api.list(resource, namespace: nil, options: ListOptions(limit: 200))
                guard let object = page.items.randomElement(using: &generator), object.name != "flux-system" else { continue }
                let wasReady = object.condition("Ready")?.status == "True"
                try await setReady(api: api, resource: resource, namespace: object.namespace, name: object.name, ready: !wasReady,
                                   reason: wasReady ? "ReconciliationFailed" : "ReconciliationSucceeded",
                                   message: wasReady ? "reconciliation failed: simulated error" : "Applied revision: main@sha1:\(randomHex(&generator))")
            } catch {
                logger.debug("demo churn step failed", metadata: ["error": "\(error)"])
            }
        }
    }

    private static func setReady(api: any KubeAPI, resource: GroupVersionResource, namespace: String?, name: String,
                                 ready: Bool, reason: String, message: String) async throws {
        let now = Timestamp.rfc3339(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        let condition: JSONValue = [
            "type": "Ready", "status": ready ? "True" : "False", "reason": .string(reason), "message": .string(message),
            "lastTransitionTime": .string(now),
        ]
        _ = try await api.patch(resource, namespace: namespace, name: name, patch: .merge(["status": ["conditions": [condition]]]),
                                subresource: "status", options: WriteOptions())
    }

    private static func randomHex(_ generator: inout SystemRandomNumberGenerator) -> String {
        (0..<40).map { _ in String(Int.random(in: 0..<16, using: &generator), radix: 16) }.joined()
    }
}
