import Foundation
import KubeSim
import TestSupport
import Testing

extension EndToEnd {
    /// `report` with a kubeconfig that cannot work, as a new user meets it: the binary must answer well
    /// within its default 30 s `--timeout`, with one line on stderr naming the cause, and a non-zero
    /// exit code (3: the cluster cannot be used; 4: no answer in time).
    @Suite("E2E: report with a broken kubeconfig", .timeLimit(.minutes(2)))
    struct ReportFailuresE2ETests {
        /// The simulator's kubeconfig with `edit` applied, written beside it.
        static func kubeconfig(_ env: E2EEnvironment, _ name: String, _ edit: (String) -> String) throws -> String {
            let text = try String(contentsOfFile: env.kubeconfigPath, encoding: .utf8)
            let edited = edit(text)
            #expect(edited != text, "the kubeconfig edit for \(name) changed nothing")
            let path = "\(env.directory)/\(name).kubeconfig"
            try edited.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        static func replacingLines(_ text: String, _ transform: (Substring) -> String?) -> String {
            text.split(separator: "\n", omittingEmptySubsequences: false).compactMap(transform).joined(separator: "\n")
        }

        /// Runs `report` (default timeout) and checks: fails fast, exit code, exactly one stderr line containing `expected`.
        static func expectFailure(_ env: E2EEnvironment, kubeconfig: String, extra: [String] = [], code: Int32,
                                  within limit: Duration = .seconds(10), _ expected: [String]) async throws {
            let started = ContinuousClock.now
            let result = try await ChildProcess.run(
                try OperatorBinary.path(), ["report", "--kubeconfig", kubeconfig] + extra, timeout: .seconds(45))
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < limit, "took \(elapsed); stderr: \(result.stderr)")
            #expect(result.status == code, "exit \(result.status); stderr: \(result.stderr)")
            #expect(result.stdout.isEmpty, "stdout: \(result.stdout.prefix(300))")
            let lines = result.stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            #expect(lines.count == 1, "stderr: \(result.stderr)")
            for fragment in expected {
                #expect(result.stderr.contains(fragment), "want \"\(fragment)\" in stderr: \(result.stderr)")
            }
        }

        @Test("a wrong token: 401 Unauthorized")
        func wrongToken() async throws {
            try await E2EEnvironment.with(fleet: nil) { env in
                let path = try Self.kubeconfig(env, "wrong-token") { text in
                    Self.replacingLines(text) { $0.trimmingCharacters(in: .whitespaces).hasPrefix("token:") ? "    token: not-the-token" : String($0) }
                }
                try await Self.expectFailure(env, kubeconfig: path, code: 3, ["error: 401 Unauthorized", "rejected the credentials"])
            }
        }

        @Test("no CA for the self-signed server: certificate verification failed")
        func missingCA() async throws {
            try await E2EEnvironment.with(fleet: nil) { env in
                let path = try Self.kubeconfig(env, "no-ca") { text in
                    Self.replacingLines(text) { $0.contains("certificate-authority-data:") ? nil : String($0) }
                }
                try await Self.expectFailure(env, kubeconfig: path, code: 3, ["error: TLS certificate verification failed"])
            }
        }

        @Test("nothing listening: connection refused")
        func connectionRefused() async throws {
            try await E2EEnvironment.with(fleet: nil) { env in
                let port = try FreePort.next()
                let path = try Self.kubeconfig(env, "refused") { text in
                    Self.replacingLines(text) { $0.contains("server:") ? "    server: https://127.0.0.1:\(port)" : String($0) }
                }
                try await Self.expectFailure(env, kubeconfig: path, code: 3, ["error: cannot connect to https://127.0.0.1:\(port)"])
            }
        }

        @Test("an unknown host: DNS failure")
        func unknownHost() async throws {
            try await E2EEnvironment.with(fleet: nil) { env in
                let path = try Self.kubeconfig(env, "dns") { text in
                    Self.replacingLines(text) { $0.contains("server:") ? "    server: https://no-such-host.invalid:6443" : String($0) }
                }
                try await Self.expectFailure(env, kubeconfig: path, code: 3, ["error: cannot resolve the host of https://no-such-host.invalid:6443"])
            }
        }

        @Test("RBAC refuses listing CRDs: 403 Forbidden with the verb and resource")
        func forbidden() async throws {
            try await E2EEnvironment.with(fleet: nil) { env in
                env.sim.injectFault(Fault(path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", verb: "list", code: 403,
                                          message: "customresourcedefinitions.apiextensions.k8s.io is forbidden"))
                try await Self.expectFailure(env, kubeconfig: env.kubeconfigPath, code: 3,
                                             ["error: 403 Forbidden", "may not list customresourcedefinitions.apiextensions.k8s.io"])
            }
        }

        @Test("a server that does not answer: exit 4 at --timeout")
        func noAnswer() async throws {
            try await E2EEnvironment.with(fleet: nil) { env in
                env.sim.injectFault(Fault(path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", verb: "list", delayMilliseconds: 6_000))
                try await Self.expectFailure(env, kubeconfig: env.kubeconfigPath, extra: ["--timeout", "2s"], code: 4,
                                             within: .seconds(6), ["error: no answer from", "within 2s"])
            }
        }

        @Test("run with a wrong token logs the 401 at error level, naming it, at start-up")
        func runLogsUnauthorized() async throws {
            try await E2EEnvironment.with(fleet: nil) { env in
                let path = try Self.kubeconfig(env, "wrong-token") { text in
                    Self.replacingLines(text) { $0.trimmingCharacters(in: .whitespaces).hasPrefix("token:") ? "    token: not-the-token" : String($0) }
                }
                let op = try await OperatorProcess.start(kubeconfig: path, directory: env.directory)
                do {
                    try await waitUntil("an error-level 401 line in the operator log", timeout: .seconds(15), interval: .milliseconds(100)) {
                        let log = (try? String(contentsOfFile: op.logPath, encoding: .utf8)) ?? ""
                        return log.split(separator: "\n").contains { $0.contains(#""level":"error""#) && $0.contains("401 Unauthorized") }
                    }
                } catch {
                    await op.stop()
                    throw E2EEnvironment.Failure(description: "\(error)\n--- operator log (tail) ---\n\(op.logTail())")
                }
                await op.stop()
            }
        }
    }
}
