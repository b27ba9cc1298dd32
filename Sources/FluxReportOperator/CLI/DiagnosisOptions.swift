import ArgumentParser
import FluxReport
import Foundation

/// What `problems` and `why` share: the cluster, the output format, the time budget and the
/// stale factor, and the one read of the cluster that gives a `Diagnosis`.
struct DiagnosisOptions: ParsableArguments {
    @OptionGroup var cluster: KubeconfigOptions

    @Option(name: [.short, .long], help: "Output format: table, json or yaml.")
    var output = "table"

    @Option(help: "Give up after this long (Go duration); bounds the whole command, connecting included.")
    var timeout = "30s"

    @Option(help: "An object is stale when nothing shows progress for this many times its interval (1-1000), as the operator's flag.")
    var staleIntervalFactor: Int64 = Signals.defaultStaleFactor

    enum Format: String { case table, json, yaml }

    func check() throws {
        guard Format(rawValue: output) != nil else { throw UsageError("invalid --output \"\(output)\": want table, json or yaml") }
        guard (1...1000).contains(staleIntervalFactor) else {
            throw UsageError("invalid --stale-interval-factor \(staleIntervalFactor): want an integer from 1 to 1000")
        }
    }

    var format: Format { Format(rawValue: output) ?? .table }

    /// Reads every Flux object once and diagnoses them now. Objects that could not all be read
    /// within `--timeout` end the command with exit code 4: a partial read must not pass a gate.
    func diagnose(command: String, settings: (inout DiagnosisSettings) -> Void = { _ in }) async throws -> Diagnosis {
        try check()
        let read = try await ClusterRead.connect(cluster, timeout: timeout, command: command)
        // Every cache, as `report` waits: none is then mid-request when the process exits.
        let (cache, task, synced) = await read.syncCache(namespace: "flux-system", until: read.deadline)
        let objects = cache.fluxObjects
        // The watches stop before the process exits: a transfer torn down by exit() can crash it.
        task.cancel()
        _ = await race(until: ContinuousClock.now + .seconds(2)) { await task.value }
        guard synced else {
            throw OperatorExit(code: ClusterRead.timeoutExitCode,
                               message: "error: not every Flux object could be read from \(read.server) within \(timeout)")
        }
        var chosen = DiagnosisSettings(staleFactor: staleIntervalFactor)
        settings(&chosen)
        return Diagnosis(objects: objects, now: Int64(Date().timeIntervalSince1970), settings: chosen)
    }

    /// Prints a document as JSON or YAML.
    func emit(_ document: OrderedDocument) throws {
        switch format {
        case .json: Swift.print(document.renderJSON(), terminator: "")
        case .yaml, .table:
            do {
                Swift.print(try document.renderYAML(), terminator: "")
            } catch {
                throw OperatorExit(code: 1, message: "error: cannot render the answer as YAML: \(error)")
            }
        }
    }
}
