import Foundation
import TestSupport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One running `flux-report-operator` process: spawned with free ports and JSON logs, its output
/// captured to a file for failure messages, and always stopped by `stop()` (SIGTERM, then SIGKILL).
final class OperatorProcess: Sendable {
    let metricsPort: Int
    let healthPort: Int
    let logPath: String
    let podName: String
    private let process: ChildProcess

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private init(process: ChildProcess, metricsPort: Int, healthPort: Int, logPath: String, podName: String) {
        self.process = process
        self.metricsPort = metricsPort
        self.healthPort = healthPort
        self.logPath = logPath
        self.podName = podName
    }

    /// Starts the operator against `kubeconfig` and waits until `/healthz` answers. Retries with new
    /// ports when one was taken in the meantime.
    static func start(kubeconfig: String, directory: String, podName: String = "flux-report-operator-0",
                      arguments extra: [String] = [], environment: [String: String] = [:]) async throws -> OperatorProcess {
        let binary = try OperatorBinary.path()
        var lastFailure = ""
        for attempt in 0..<3 {
            let metrics = try FreePort.next()
            let health = try FreePort.next()
            let logPath = "\(directory)/operator-\(podName)-\(attempt).log"
            // A port that cannot be bound stops the operator: the status page gets a free port too
            // (its default, :9080, is shared by every operator running on this machine).
            let web = extra.contains { $0.hasPrefix("--web-addr") } ? [] : ["--web-addr", "127.0.0.1:\(try FreePort.next())"]
            let arguments = ["--kubeconfig", kubeconfig, "--namespace", "flux-system",
                             "--metrics-addr", "127.0.0.1:\(metrics)", "--health-addr", "127.0.0.1:\(health)",
                             "--log-encoding", "json"] + web + extra
            // Independent of the test runner's cluster settings.
            let process = try ChildProcess.start(
                binary, arguments, environment: ["POD_NAME": podName].merging(environment) { $1 },
                unset: ["KUBECONFIG", "KUBERNETES_SERVICE_HOST", "REPORTING_INTERVAL", "RUNTIME_NAMESPACE"],
                stdout: .file(logPath), stderr: .file(logPath))
            let op = OperatorProcess(process: process, metricsPort: metrics, healthPort: health, logPath: logPath, podName: podName)
            let healthy = try? await eventually("/healthz answers", timeout: .seconds(20)) { () -> Bool? in
                guard op.isRunning else { return false }
                guard let (code, _) = try? await HTTP.get("http://127.0.0.1:\(health)/healthz"), code == 200 else { return nil }
                return true
            }
            if healthy == true { return op }
            let log = op.logTail()
            await op.stop()
            lastFailure = "operator did not serve /healthz (\(process.termination.map { "\($0)" } ?? "still running")); log:\n\(log)"
            if !log.lowercased().contains("in use") { break }
        }
        throw Failure(description: lastFailure)
    }

    var isRunning: Bool { process.isRunning }

    func signal(_ signal: Int32) { process.signal(signal) }

    /// Waits for the process to end; returns its exit status (128 + the signal for a signal), nil on timeout.
    func waitForExit(timeout: Duration) async -> Int32? {
        await process.wait(timeout: timeout)?.status
    }

    /// SIGTERM, then SIGKILL after `grace`. Safe to call more than once.
    func stop(grace: Duration = .seconds(10)) async {
        await process.stop(grace: grace)
    }

    func logTail(lines: Int = 40) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The log lines so far that contain every one of `fragments`: lets a test wait for what the
    /// operator says it did or decided, instead of sleeping and inferring it.
    func logLines(containing fragments: String...) -> [Substring] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { line in fragments.allSatisfy { line.contains($0) } }
    }

    /// Waits until `/readyz` answers 200: every cache listed, so what the operator exports covers the
    /// whole cluster, not the kinds that happened to sync first.
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        _ = try await eventually("/readyz answers 200", timeout: timeout) { () -> Bool? in
            guard let (code, _) = try? await HTTP.get("http://127.0.0.1:\(healthPort)/readyz"), code == 200 else { return nil }
            return true
        }
    }

    var metricsURL: String { "http://127.0.0.1:\(metricsPort)/metrics" }

    /// The current `/metrics` text.
    func metricsText() async throws -> String {
        let (code, body) = try await HTTP.get(metricsURL)
        guard code == 200 else { throw Failure(description: "GET /metrics answered \(code)") }
        return body
    }

    func metrics() async throws -> [PromSample] { PrometheusText.parse(try await metricsText()) }
}

/// A tiny HTTP GET over URLSession.
enum HTTP {
    static func get(_ address: String, timeout: TimeInterval = 5) async throws -> (Int, String) {
        guard let url = URL(string: address) else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.timeoutInterval = timeout
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
