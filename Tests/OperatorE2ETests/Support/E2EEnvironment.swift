import FluxReport
import Foundation
import KubeClient
import KubeCore
import KubeSim
import OperatorTestSupport
import TestSupport

/// A simulated cluster for one test: KubeSim over HTTPS with a kubeconfig in a fresh temporary
/// directory, a client for the test's own reads, and helpers to run the operator and kubectl.
final class E2EEnvironment: Sendable {
    let sim: KubeSim
    let directory: String
    let kubeconfigPath: String
    let client: KubernetesClient
    static let namespace = "flux-system"

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private init(sim: KubeSim, directory: String, kubeconfigPath: String, client: KubernetesClient) {
        self.sim = sim
        self.directory = directory
        self.kubeconfigPath = kubeconfigPath
        self.client = client
    }

    /// A fleet generated from the shared Flux v2.7.0 manifests.
    static func fleet(seed: UInt64 = 42, objects: Int = 300) -> FleetOptions {
        var options = FleetOptions(seed: seed, objects: objects)
        options.fixturesDirectory = OperatorBinary.fixturesV270
        return options
    }

    /// Runs `body` with a fresh simulator loaded with `fleet`; stops it and removes the directory after.
    static func with<T>(fleet: FleetOptions? = E2EEnvironment.fleet(), _ body: (E2EEnvironment) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("flux-report-e2e-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var options = KubeSimOptions()
        options.kubeconfigPath = directory + "/kubeconfig"
        let sim = try await KubeSim.start(options)
        do {
            if let fleet {
                try sim.loadFleet(fleet)
                // The CRD a real install has (the chart's), not the fleet's stand-in, which is labelled
                // part-of=flux and would make the report count itself (see findings-e2e.md).
                try sim.loadFixtures(directory: OperatorBinary.repositoryRoot + "/config/crd/bases")
            }
            let configuration = try ClientConfiguration.load(kubeconfigPath: directory + "/kubeconfig", context: nil)
            let env = E2EEnvironment(sim: sim, directory: directory, kubeconfigPath: directory + "/kubeconfig",
                                     client: KubernetesClient(configuration: configuration))
            let result = try await body(env)
            await sim.stop()
            // E2E_KEEP=1 keeps the operator logs of passing tests too (an #expect failure does not throw).
            if ProcessInfo.processInfo.environment["E2E_KEEP"] == nil {
                try? FileManager.default.removeItem(atPath: directory)
            } else {
                print("E2E_KEEP: test files kept in \(directory)")
            }
            return result
        } catch {
            await sim.stop()
            // Keep the directory (operator logs) for a look after a failure.
            throw Failure(description: "\(error)\n(test files kept in \(directory))")
        }
    }

    /// Runs `body` with an operator process; always stops it, and appends its log tail to a failure.
    func withOperator<T>(podName: String = "flux-report-operator-0", arguments: [String] = [], environment: [String: String] = [:],
                         _ body: (OperatorProcess) async throws -> T) async throws -> T {
        let op = try await OperatorProcess.start(kubeconfig: kubeconfigPath, directory: directory, podName: podName,
                                                 arguments: arguments, environment: environment)
        do {
            let result = try await body(op)
            await op.stop()
            return result
        } catch {
            await op.stop()
            throw Failure(description: "\(error)\n--- operator \(op.podName) log (tail) ---\n\(op.logTail())")
        }
    }

    // MARK: Reading the cluster

    /// The stored `FluxReport/flux`, nil when absent.
    func report() -> JSONValue? { sim.get(FluxReportAPI.gvr, namespace: Self.namespace, name: FluxReportAPI.reportName) }

    func reportSpec() -> FluxReportSpec? { report().map { FluxReportSpec(json: $0["spec"]) } }

    /// Waits for a report whose spec equals what the domain code computes from the cluster right now.
    @discardableResult
    func waitForCorrectReport(timeout: Duration = .seconds(30)) async throws -> FluxReportSpec {
        var last: (got: FluxReportSpec?, want: FluxReportSpec?) = (nil, nil)
        do {
            return try await eventually("the report equals the expected report", timeout: timeout, interval: .milliseconds(250)) {
                let want = try await ExpectedReport.spec(api: client, namespace: Self.namespace)
                let report = report()
                let got = report.map { FluxReportSpec(json: $0["spec"]) }
                last = (got, want)
                // The status is applied right after the spec: wait for both.
                guard got == want, report?.condition(FluxReportAPI.readyCondition) != nil else { return nil }
                return got
            }
        } catch {
            throw Failure(description: "\(error)\n\(ExpectedReport.diff(got: last.got, want: last.want))")
        }
    }

    static let kinds = (
        kustomizations: GroupVersionResource(group: "kustomize.toolkit.fluxcd.io", version: "v1", resource: "kustomizations", kind: "Kustomization"),
        gitRepositories: GroupVersionResource(group: "source.toolkit.fluxcd.io", version: "v1", resource: "gitrepositories", kind: "GitRepository")
    )

    /// Events in flux-system about `FluxReport/flux` (events.k8s.io/v1 `regarding`, or core/v1 `involvedObject`).
    func reportEvents() async throws -> [JSONValue] {
        let modern = try await client.listAll(.events, namespace: Self.namespace).items
            .filter { $0[path: "regarding", "kind"].string == FluxReportAPI.kind && $0[path: "regarding", "name"].string == FluxReportAPI.reportName }
        let core = try await client.listAll(.coreEvents, namespace: Self.namespace).items
            .filter { $0[path: "involvedObject", "kind"].string == FluxReportAPI.kind && $0[path: "involvedObject", "name"].string == FluxReportAPI.reportName }
        // The simulator may serve the same objects under both groups; keep one per name.
        var seen: Set<String> = []
        return (modern + core).filter { seen.insert($0.name).inserted }
    }

    // MARK: kubectl

    /// Runs the real kubectl against the simulator.
    func kubectl(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> ChildProcess.Outcome {
        guard let kubectl = Self.kubectlPath else {
            throw Failure(description: "kubectl not found on PATH (apt-get install kubernetes-client)")
        }
        return try await ChildProcess.run(kubectl, ["--kubeconfig", kubeconfigPath] + arguments, timeout: timeout)
    }

    static let kubectlPath: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/kubectl" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// `kubectl -n flux-system annotate --overwrite fluxreport/flux <key>=<value>`; throws on failure.
    func annotateReport(_ key: String, _ value: String) async throws {
        let result = try await kubectl(["-n", Self.namespace, "annotate", "--overwrite", "fluxreport/flux", "\(key)=\(value)"])
        guard result.status == 0 else {
            throw Failure(description: "kubectl annotate failed (\(result.status)): \(result.stderr)")
        }
    }
}
