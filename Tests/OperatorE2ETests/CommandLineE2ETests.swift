import Foundation
import FluxReportOperator
import TestSupport
import Testing

extension EndToEnd {
    /// The binary's command line: bad flags and bad config give one clear line and exit code 2.
    @Suite("E2E: command line", .timeLimit(.minutes(1)))
    struct CommandLineE2ETests {
        static func run(_ arguments: [String]) async throws -> ChildProcess.Outcome {
            try await ChildProcess.run(try OperatorBinary.path(), arguments, timeout: .seconds(20))
        }

        static func nonEmptyLines(_ text: String) -> [Substring] {
            text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        }

        @Test("bad flags: exit 2 and one line on stderr naming the flag", arguments: [
            (["--log-level=loud"], "--log-level"),
            (["--reporting-interval", "soon"], "--reporting-interval"),
            (["--reporting-interval", "-5m"], "--reporting-interval"),
            (["--metrics-addr", "not-an-address"], "--metrics-addr"),
            (["--log-encoding", "xml"], "--log-encoding"),
            (["--kube-api-qps", "0"], "--kube-api-qps"),
            (["--namespace", "Not_A_Namespace"], "--namespace"),
            (["--metrics-object-labels", "bad key!"], "--metrics-object-labels"),
            (["--events-addr", "ftp://x"], "--events-addr"),
            (["--metrics-series-cache-size", "64MB"], "--metrics-series-cache-size"),
            (["--metrics-series-cache-size=-1"], "--metrics-series-cache-size"),
            (["--no-such-flag"], "--no-such-flag"),
        ])
        func badFlags(arguments: [String], flag: String) async throws {
            let result = try await Self.run(arguments)
            #expect(result.status == 2, "exit code for \(arguments): \(result.status); stderr: \(result.stderr)")
            let lines = Self.nonEmptyLines(result.stderr)
            #expect(lines.count == 1, "stderr for \(arguments) should be one line, got:\n\(result.stderr)")
            #expect(result.stderr.contains(flag), "stderr does not name \(flag): \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"), "crashed: \(result.stderr)")
        }

        @Test("a broken or missing kubeconfig: exit 2 with a clear message")
        func brokenKubeconfig() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flux-report-kc-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let broken = directory + "/broken"
            try Data("this: [is not: a kubeconfig\n".utf8).write(to: URL(fileURLWithPath: broken))
            let noContext = directory + "/no-context"
            try Data("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: missing\n".utf8)
                .write(to: URL(fileURLWithPath: noContext))
            for path in [broken, noContext, directory + "/does-not-exist"] {
                let result = try await Self.run(["--kubeconfig", path, "--metrics-addr", "127.0.0.1:0", "--health-addr", "127.0.0.1:0"])
                #expect(result.status == 2, "exit code with kubeconfig \(path): \(result.status); stderr: \(result.stderr)")
                let lines = Self.nonEmptyLines(result.stderr).filter { !$0.hasPrefix("{") }  // JSON log lines aside
                #expect(lines.count == 1, "want one error line for \(path), got:\n\(result.stderr)")
                #expect(result.stderr.contains(path) || result.stderr.lowercased().contains("kubeconfig"),
                        "the message should name the kubeconfig: \(result.stderr)")
            }
        }

        @Test("run --help lists the series cache's budget flag and exits 0")
        func help() async throws {
            let result = try await Self.run(["run", "--help"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("--metrics-series-cache-size"), "help output: \(result.stdout)")
        }

        @Test("version prints the version and exits 0")
        func version() async throws {
            let result = try await Self.run(["version"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains(BuildInfo.version), "version output: \(result.stdout)")
        }
    }
}
