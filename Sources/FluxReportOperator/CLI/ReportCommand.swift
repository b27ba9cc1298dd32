import ArgumentParser
import ControllerRuntime
import FluxReport
import Foundation
import KubeClient
import KubeCore
import Logging

/// `report`: computes the FluxReport once for the current kubeconfig and prints it, installing nothing.
///
/// It uses the operator's own cache (one LIST per kind, no watch kept) so it shows exactly what the
/// operator would write. Parts that cannot be read are named on stderr and the exit code is 1.
/// A cluster that cannot be used at all (unreachable, TLS, 401, 403 on the CRDs) is one line on
/// stderr and exit code 3; nothing conclusive within `--timeout` is exit code 4.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Print the FluxReport of the current cluster as YAML or JSON, without installing anything.")

    /// Exit codes besides 0 (report printed), 1 (report printed, some part failed) and 2 (usage).
    static let clusterUnusableExitCode: Int32 = 3
    static let timeoutExitCode: Int32 = 4

    @OptionGroup var cluster: KubeconfigOptions

    @Option(help: "Namespace of the Flux installation (not the context's working namespace, which is rarely it).")
    var namespace = "flux-system"

    @Option(name: [.short, .long], help: "Output format: yaml or json.")
    var output = "yaml"

    @Option(help: "Give up after this long (Go duration); bounds the whole command, connecting included.")
    var timeout = "30s"

    func run() async throws {
        guard output == "yaml" || output == "json" else {
            throw UsageError("invalid --output \"\(output)\": want yaml or json")
        }
        guard let wait = try? GoDuration.parse(timeout), wait > .zero else {
            throw UsageError("invalid --timeout \"\(timeout)\": want a positive Go duration such as 30s")
        }
        let clientConfiguration = try cluster.load()
        guard OperatorOptions.isDNSLabel(namespace) else {
            throw UsageError("invalid --namespace \"\(namespace)\": not a valid namespace name")
        }
        RuntimeLogHandler.bootstrap(encoding: .console, level: .error)
        let logger = Logger(label: "report")
        let started = ContinuousClock.now
        let deadline = started + wait
        let api = KubernetesClient(configuration: clientConfiguration)
        let server = clientConfiguration.server

        // One cheap request first: a kubeconfig that cannot work (wrong token, missing CA, nothing
        // listening, unknown host, no RBAC for the CRDs everything starts from) fails here at once,
        // with its cause, instead of as informers retrying until the timeout.
        switch await race(until: deadline, { try await Self.checkAccess(api) }) {
        case .finished: break
        case .timedOut:
            throw OperatorExit(code: Self.timeoutExitCode, message: "error: no answer from \(server) within \(timeout)")
        case .failed(let error):
            throw OperatorExit(code: Self.clusterUnusableExitCode, message: "error: \(Self.describe(error, server: server))")
        }

        let cache = ClusterCache(api: api, namespace: namespace, keepLabels: [], logger: logger)
        let cacheTask = Task { await cache.run() }
        // The snapshot's few GETs get the end of the budget; the caches the rest.
        let reserve = min(Duration.seconds(5), wait / 5)
        let synced: Bool
        switch await race(until: deadline - reserve, { await cache.waitForSync() }) {
        case .finished: synced = true
        case .failed, .timedOut: synced = false
        }
        let snapshot: ReportSnapshot
        switch await race(until: deadline, { await SnapshotReader(api: api, cache: cache).read() }) {
        case .finished(let read): snapshot = read
        case .failed(let error):
            cacheTask.cancel()
            throw OperatorExit(code: 1, message: "error: \(Self.describe(error, server: server))")
        case .timedOut:
            cacheTask.cancel()
            throw OperatorExit(code: Self.timeoutExitCode,
                               message: "error: timed out after \(timeout) reading the report's parts from \(server)")
        }
        cacheTask.cancel()

        let context = ReportContext(operatorVersion: BuildInfo.version, operatorPlatform: BuildInfo.platform,
                                    now: Int64(Date().timeIntervalSince1970), elapsed: ContinuousClock.now - started)
        let result = ReportBuilder.build(snapshot: snapshot, context: context)
        let report = FluxReportObject(namespace: namespace, spec: result.spec, status: result.status)
        if output == "json" {
            print(report.renderJSON())
        } else {
            do {
                print(try report.renderYAML(), terminator: "")
            } catch {
                throw OperatorExit(code: 1, message: "error: cannot render the report as YAML: \(error)")
            }
        }
        if !synced {
            CommandExecution.printError("warning: not every object could be read within \(timeout)")
        }
        if !result.failures.isEmpty {
            throw OperatorExit(code: 1, message: result.failures.map { "error: \($0.description)" }.joined(separator: "\n"))
        }
    }

    /// LIST of one CRD: reaches the server, authenticates, and checks the one permission without
    /// which no report can be computed.
    static func checkAccess(_ api: KubernetesClient) async throws {
        _ = try await api.list(.customResourceDefinitions, namespace: nil, options: ListOptions(limit: 1))
    }

    static func describe(_ error: any Error, server: String) -> String {
        if let error = error as? KubeAPIError {
            return error.summary(server: server, verb: "list", resource: "customresourcedefinitions.apiextensions.k8s.io")
        }
        return "\(error)"
    }
}
