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
        let read = try await ClusterRead.connect(cluster, timeout: timeout, command: "report") {
            guard OperatorOptions.isDNSLabel(namespace) else {
                throw UsageError("invalid --namespace \"\(namespace)\": not a valid namespace name")
            }
        }
        let (api, server) = (read.api, read.server)
        // The snapshot's few GETs get the end of the budget; the caches the rest.
        let reserve = min(Duration.seconds(5), (read.deadline - read.started) / 5)
        let (cache, cacheTask, synced) = await read.syncCache(namespace: namespace, until: read.deadline - reserve)
        let snapshot: ReportSnapshot
        switch await race(until: read.deadline, { await SnapshotReader(api: api, cache: cache).read() }) {
        case .finished(let value): snapshot = value
        case .failed(let error):
            cacheTask.cancel()
            throw OperatorExit(code: 1, message: "error: \(ClusterRead.describe(error, server: server))")
        case .timedOut:
            cacheTask.cancel()
            throw OperatorExit(code: ClusterRead.timeoutExitCode,
                               message: "error: timed out after \(timeout) reading the report's parts from \(server)")
        }
        cacheTask.cancel()

        let context = ReportContext(operatorVersion: BuildInfo.version, operatorPlatform: BuildInfo.platform,
                                    now: Int64(Date().timeIntervalSince1970), elapsed: ContinuousClock.now - read.started)
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
}
