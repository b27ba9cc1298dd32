import ArgumentParser
import ControllerRuntime
import FluxReport
import Foundation
import KubeClient
import Logging

/// `report`: computes the FluxReport once for the current kubeconfig and prints it, installing nothing.
///
/// It uses the operator's own cache (one LIST per kind, no watch kept) so it shows exactly what the
/// operator would write. Parts that cannot be read are named on stderr and the exit code is 1.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Print the FluxReport of the current cluster as YAML or JSON, without installing anything.")

    @OptionGroup var cluster: KubeconfigOptions

    @Option(help: "Namespace of the Flux installation (not the context's working namespace, which is rarely it).")
    var namespace = "flux-system"

    @Option(name: [.short, .long], help: "Output format: yaml or json.")
    var output = "yaml"

    @Option(help: "How long to wait for the cluster's objects (Go duration).")
    var timeout = "60s"

    func run() async throws {
        guard output == "yaml" || output == "json" else {
            throw UsageError("invalid --output \"\(output)\": want yaml or json")
        }
        guard let wait = try? GoDuration.parse(timeout), wait > .zero else {
            throw UsageError("invalid --timeout \"\(timeout)\": want a positive Go duration such as 30s")
        }
        let clientConfiguration = try cluster.load()
        guard RunCommand.isDNSLabel(namespace) else {
            throw UsageError("invalid --namespace \"\(namespace)\": not a valid namespace name")
        }
        RuntimeLogHandler.bootstrap(encoding: .console, level: .error)
        let logger = Logger(label: "report")
        let api = KubernetesClient(configuration: clientConfiguration)
        let cache = ClusterCache(api: api, namespace: namespace, keepLabels: [], logger: logger, onChange: { _ in })

        let started = ContinuousClock.now
        let cacheTask = Task { await cache.run() }
        let synced = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await cache.waitForSync(); return true }
            group.addTask { try? await Task.sleep(for: wait); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        let snapshot = await SnapshotReader(api: api, cache: cache).read()
        cacheTask.cancel()
        await cacheTask.value

        let context = ReportContext(operatorVersion: BuildInfo.version, operatorPlatform: BuildInfo.platform,
                                    now: Int64(Date().timeIntervalSince1970), elapsed: ContinuousClock.now - started)
        let result = ReportBuilder.build(snapshot: snapshot, context: context)
        let report = FluxReport(namespace: namespace, spec: result.spec, status: result.status)
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
