import ArgumentParser
import ControllerRuntime
import Logging

/// `mcp`: an MCP server over stdio for an assistant on a laptop (docs/mcp.md). stdout carries only
/// the protocol; logs go to stderr. Ends when stdin closes.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve read-only Flux diagnosis tools to an MCP client over stdio, from the kubeconfig's cluster.")

    @OptionGroup var cluster: KubeconfigOptions

    @Option(help: "Namespace of the Flux installation (not the context's working namespace, which is rarely it).")
    var namespace = "flux-system"

    @Option(name: .customLong("log-level"), help: "Log level on stderr: debug, info, warning or error.")
    var logLevel = "warning"

    func run() async throws {
        guard OperatorOptions.isDNSLabel(namespace) else {
            throw UsageError("invalid --namespace \"\(namespace)\": not a valid namespace name")
        }
        guard let level = LogLevel(flag: logLevel), level != .trace else {
            throw UsageError("invalid --log-level \"\(logLevel)\": want debug, info, warning or error")
        }
        RuntimeLogHandler.bootstrap(encoding: .console, level: level.swiftLogLevel)
        let logger = Logger(label: "mcp")
        let session = try ContextSession(kubeconfigPath: cluster.kubeconfig, context: cluster.context, namespace: namespace, logger: logger)
        defer { session.stop() }
        let server = await MCPServerFactory.server(session)
        try await server.start(transport: LineTransport(logger: logger))
        logger.info("serving MCP on stdio", metadata: ["namespace": "\(namespace)"])
        await server.waitUntilCompleted()
        await server.stop()
    }
}
