import ArgumentParser

/// Root command; subcommands are added by the operator issue.
public struct FluxReportOperatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "flux-report-operator",
        abstract: "Keeps FluxReport/flux up to date with the observed state of a Flux installation.")
    public init() {}
    public func run() async throws {}
}
