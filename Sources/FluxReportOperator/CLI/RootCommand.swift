import ArgumentParser

import Foundation

/// `flux-report-operator`: runs the operator by default; `report`, `problems`, `why` and `version` are one-shot tools, `mcp` an MCP server on stdio.
public struct FluxReportOperatorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "flux-report-operator",
        abstract: "Keeps FluxReport/flux up to date with the observed state of a Flux installation.",
        version: BuildInfo.version,
        subcommands: [RunCommand.self, ReportCommand.self, ProblemsCommand.self, WhyCommand.self, MCPCommand.self, VersionCommand.self],
        defaultSubcommand: RunCommand.self)

    public init() {}

    /// Entry point: parses arguments; a bad flag or bad configuration prints one line and exits 2
    /// (the convention of Go tools and of the Flux controllers), help and `--version` exit 0.
    public static func execute(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Int32 {
        await CommandExecution.execute(Self.self, arguments)
    }
}

/// How this project's executables run a command: one line on stderr and exit code 2 for a bad flag
/// or configuration, 1 for a failure, the code of an `OperatorExit`; help and `--version` exit 0.
public enum CommandExecution {
    public static func execute<Root: ParsableCommand>(_ root: Root.Type,
                                                      _ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Int32 {
        let command: any ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
        } catch {
            return report(error, root)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
            return 0
        } catch {
            return report(error, root)
        }
    }

    private static func report<Root: ParsableCommand>(_ error: any Error, _ root: Root.Type) -> Int32 {
        let code = root.exitCode(for: error)
        if code == .success {
            // --help, --version: ArgumentParser's full text on stdout.
            print(root.fullMessage(for: error))
            return 0
        }
        if let exit = error as? ExitCode { return exit.rawValue }
        if let failure = error as? OperatorExit {
            if !failure.message.isEmpty { printError(failure.message) }
            return failure.code
        }
        let message = root.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        printError("error: \(message)")
        return code == .validationFailure || error is UsageError ? 2 : 1
    }

    static func printError(_ line: String) {
        var stderr = StandardError()
        print(line, to: &stderr)
    }
}

/// Ends a command with a given exit code after printing `message` (when non-empty) on stderr.
public struct OperatorExit: Error {
    public let code: Int32
    public let message: String
    public init(code: Int32, message: String = "") {
        self.code = code
        self.message = message
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
