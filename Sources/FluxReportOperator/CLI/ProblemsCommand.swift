import ArgumentParser
import FluxReport

/// `problems`: what is wrong with the cluster's Flux objects, most useful first — root causes
/// ranked by how many objects each blocks, then objects failing on their own, stale, drifted and
/// long-suspended ones (docs/diagnosis.md). Exit code 1 when an object is failing or blocked.
struct ProblemsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "problems",
        abstract: "Print the root causes, failing, stale, drifted and long-suspended Flux objects of the current cluster.")

    /// Printed, and an object is failing or waits on a failing dependency.
    static let failingExitCode: Int32 = 1

    @OptionGroup var options: DiagnosisOptions

    @Option(help: "A suspension at least this old (Go duration) is listed as a problem.")
    var longSuspension = "24h"

    @Option(help: "Entries per list (1-1000); the rest are counted as \"N more\".")
    var limit = 50

    func run() async throws {
        guard let long = try? GoDuration.parse(longSuspension), long > .zero else {
            throw UsageError("invalid --long-suspension \"\(longSuspension)\": want a positive Go duration such as 24h")
        }
        guard (1...DiagnosisSettings.maxItems).contains(limit) else {
            throw UsageError("invalid --limit \(limit): want an integer from 1 to \(DiagnosisSettings.maxItems)")
        }
        let diagnosis = try await options.diagnose(command: "problems") { settings in
            settings.longSuspension = long.components.seconds
            settings.items = limit
        }
        let problems = diagnosis.problems()
        if options.format == .table {
            print(DiagnosisText.problems(problems, now: diagnosis.now), terminator: "")
        } else {
            try options.emit(DiagnosisDocument.problems(problems, now: diagnosis.now))
        }
        if problems.counts.anyFailing { throw OperatorExit(code: Self.failingExitCode) }
    }
}
