import KubeCore
import Foundation
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
    let pid: Int32
    private let process: LockedState<Process>

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private init(process: Process, metricsPort: Int, healthPort: Int, logPath: String, podName: String) {
        self.pid = process.processIdentifier
        self.process = LockedState(process)
        self.metricsPort = metricsPort
        self.healthPort = healthPort
        self.logPath = logPath
        self.podName = podName
    }

    deinit {
        // Last resort: never leave a process behind, even if a test forgot to stop it.
        let running = process.withLock { $0.isRunning }
        if running { kill(pid, SIGKILL) }
    }

    /// Spawns the binary without waiting for it (for exit-code tests), output to `logPath`.
    static func spawn(arguments: [String], environment: [String: String] = [:], logPath: String) throws -> Process {
        let binary = try OperatorBinary.path()
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: logPath) else {
            throw Failure(description: "cannot open \(logPath) for writing")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // Keep the child independent of the test runner's cluster settings.
        env.removeValue(forKey: "KUBECONFIG")
        env.removeValue(forKey: "KUBERNETES_SERVICE_HOST")
        env.removeValue(forKey: "REPORTING_INTERVAL")
        env.removeValue(forKey: "RUNTIME_NAMESPACE")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
        try? log.close()
        return process
    }

    /// Starts the operator against `kubeconfig` and waits until `/healthz` answers. Retries with new
    /// ports when one was taken in the meantime.
    static func start(kubeconfig: String, directory: String, podName: String = "flux-report-operator-0",
                      arguments extra: [String] = [], environment: [String: String] = [:]) async throws -> OperatorProcess {
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
            let process = try spawn(arguments: arguments, environment: ["POD_NAME": podName].merging(environment) { $1 },
                                    logPath: logPath)
            let op = OperatorProcess(process: process, metricsPort: metrics, healthPort: health, logPath: logPath, podName: podName)
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if !op.isRunning { break }
                if let (code, _) = try? await HTTP.get("http://127.0.0.1:\(health)/healthz"), code == 200 { return op }
                try await Task.sleep(for: .milliseconds(100))
            }
            let log = op.logTail()
            await op.stop()
            lastFailure = "operator did not serve /healthz (exit \(op.exitCode.map(String.init) ?? "none")); log:\n\(log)"
            if !log.lowercased().contains("in use") { break }
        }
        throw Failure(description: lastFailure)
    }

    var isRunning: Bool { process.withLock { $0.isRunning } }

    /// The exit code, nil while running (or when killed by a signal: then the signal number, negated).
    var exitCode: Int32? {
        process.withLock { p -> Int32? in
            if p.isRunning { return nil }
            return p.terminationReason == .exit ? p.terminationStatus : -p.terminationStatus
        }
    }

    func signal(_ signal: Int32) { if isRunning { kill(pid, signal) } }

    /// Waits for the process to end; returns its exit code, nil on timeout.
    func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let code = exitCode { return code }
            // A cancelled test (time limit) must still wait for its child: sleep without the task.
            if (try? await Task.sleep(for: .milliseconds(50))) == nil { usleep(50_000) }
        }
        return exitCode
    }

    /// SIGTERM, then SIGKILL after `grace`. Safe to call more than once.
    func stop(grace: Duration = .seconds(10)) async {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if await waitForExit(timeout: grace) == nil {
            kill(pid, SIGKILL)
            _ = await waitForExit(timeout: .seconds(5))
        }
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
