import ArgumentParser
import FluxReport

/// `why KIND/NAMESPACE/NAME`: one object's diagnosis — Ready, its signals in words, its paths to
/// the root causes, dependencies and dependents with their states (docs/diagnosis.md).
/// Exit code 1 when the object is failing or blocked, 5 when it does not exist.
struct WhyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why", abstract: "Explain one Flux object's state and its chain to the root causes.")

    static let failingExitCode: Int32 = 1
    static let notFoundExitCode: Int32 = 5

    @Argument(help: "The object as KIND/NAMESPACE/NAME, e.g. Kustomization/flux-system/apps (the kind in any case).")
    var object: String

    @OptionGroup var options: DiagnosisOptions

    func run() async throws {
        guard let wanted = ObjectKey(parsing: object), !wanted.namespace.isEmpty else {
            throw UsageError("invalid object \"\(object)\": want KIND/NAMESPACE/NAME, e.g. Kustomization/flux-system/apps")
        }
        let diagnosis = try await options.diagnose(command: "why")
        // The kind as the cluster spells it, whatever case was typed.
        let kind = diagnosis.graph.objects.lazy.map(\.kind).first { $0.lowercased() == wanted.kind.lowercased() } ?? wanted.kind
        let key = ObjectKey(kind: kind, namespace: wanted.namespace, name: wanted.name)
        guard let explanation = diagnosis.explain(key) else {
            throw OperatorExit(code: Self.notFoundExitCode, message: "error: \(key.display) not found")
        }
        if options.format == .table {
            print(DiagnosisText.explanation(explanation, now: diagnosis.now), terminator: "")
        } else {
            try options.emit(DiagnosisDocument.explanation(explanation, now: diagnosis.now))
        }
        let state = explanation.object.signals.state
        if state == .failing || state == .blocked { throw OperatorExit(code: Self.failingExitCode) }
    }
}
