import ArgumentParser
import ControllerRuntime
import FluxReport
import Foundation

/// Runs the operator (the default subcommand). Flags follow the Flux controllers' conventions.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the operator (the default when no subcommand is given).")

    @OptionGroup var cluster: KubeconfigOptions
    @OptionGroup var options: OperatorOptions

    func run() async throws {
        let configuration = try resolve(environment: ProcessInfo.processInfo.environment)
        try await OperatorApp.run(configuration: configuration)
    }

    /// Flags + environment → configuration; every bad value is a `UsageError` (exit 2).
    func resolve(environment: [String: String], serviceAccountNamespaceFile: String = ServiceAccount.namespaceFile) throws -> OperatorConfiguration {
        var config = try options.resolve(environment: environment, serviceAccountNamespaceFile: serviceAccountNamespaceFile)
        config.kubeconfigPath = cluster.kubeconfig
        config.context = cluster.context
        return config
    }
}
