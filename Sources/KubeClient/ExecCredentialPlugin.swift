import Foundation
import KubeCore

/// Runs a `client.authentication.k8s.io` exec credential plugin and caches what it returns until its
/// `expirationTimestamp` (or until the server answers 401).
actor ExecCredentialPlugin {
    static let supportedVersions: Set<String> = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    private let config: ExecConfig
    private var cached: (credentials: Credentials, expiry: Date?)?
    private var running: Task<(Credentials, Date?), any Error>?
    /// How many times the command ran (tests check caching with it).
    private(set) var runs = 0

    init(config: ExecConfig) {
        self.config = config
    }

    func credentials() async throws -> Credentials {
        if let cached, cached.expiry.map({ $0 > Date() }) ?? true {
            return cached.credentials
        }
        if let running {
            return try await running.value.0
        }
        let config = self.config
        let task = Task.detached { try await Self.run(config) }
        running = task
        defer { running = nil }
        runs += 1
        let (credentials, expiry) = try await task.value
        cached = (credentials, expiry)
        return credentials
    }

    func invalidate() {
        cached = nil
    }

    private static func run(_ config: ExecConfig) async throws -> (Credentials, Date?) {
        // Process I/O blocks for up to the plugin's timeout: a thread of its own, not a pool's.
        try await BlockingWork.run(name: "exec-plugin") { try runBlocking(config) }
    }

    /// An ExecCredential is a few KiB; more is not one (and is not kept in memory).
    static let outputLimit = 1 << 20

    private static func failure(_ config: ExecConfig, _ message: String) -> KubeAPIError {
        var text = "exec plugin \(config.command): \(message)"
        if let hint = config.installHint, !hint.isEmpty { text += " (\(hint))" }
        return KubeAPIError(reason: .unauthorized, code: 0, message: text)
    }

    private static func runBlocking(_ config: ExecConfig) throws -> (Credentials, Date?) {
        let process = Process()
        var arguments = config.args
        if config.command.contains("/") {
            let path = Kubeconfig.absolute(config.command, directory: config.baseDirectory ?? "")
            process.executableURL = URL(fileURLWithPath: path)
        } else {
            // Search PATH like a shell would.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            arguments.insert(config.command, at: 0)
        }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in config.env { environment[name] = value }
        let info: JSONValue = ["apiVersion": .string(config.apiVersion), "kind": "ExecCredential",
                               "spec": ["interactive": false]]
        environment["KUBERNETES_EXEC_INFO"] = info.serializedString()
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            throw failure(config, "cannot run: \(error.localizedDescription)")
        }
        // Both pipes are drained at once, each on its own thread: reading one to its end first would
        // deadlock with a plugin that fills the other (a pipe holds 64 KiB) and then waits for us.
        let output = PipeDrain(stdout.fileHandleForReading, limit: Self.outputLimit)
        let errorOutput = PipeDrain(stderr.fileHandleForReading, limit: 4096)
        if exited.wait(timeout: .now() + config.timeout.timeInterval) == .timedOut {
            process.terminate()
            if exited.wait(timeout: .now() + 2) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            throw failure(config, "did not finish within \(config.timeout)")
        }
        // A grandchild may keep stdout open after the plugin exited: a bounded wait for its end.
        guard output.wait(until: .now() + 5) else {
            throw failure(config, "exited but its output did not end (a child process holds it open)")
        }
        _ = errorOutput.wait(until: .now() + 1)
        if output.truncated {
            throw failure(config, "output larger than \(Self.outputLimit) bytes")
        }
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorOutput.bytes.prefix(1024), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw failure(config, "exit status \(process.terminationStatus)\(message.isEmpty ? "" : ": \(message)")")
        }
        return try decodeOutput(Array(output.bytes), config: config)
    }

    /// Decodes the plugin's standard output (an `ExecCredential`): outside data.
    static func decodeOutput(_ output: [UInt8], config: ExecConfig) throws -> (Credentials, Date?) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(output)
        } catch {
            throw failure(config, "output is not an ExecCredential: \(error)")
        }
        guard json["kind"].string == "ExecCredential" else {
            throw failure(config, "output is not an ExecCredential (kind \(json["kind"].string ?? "missing"))")
        }
        if let version = json["apiVersion"].string, version != config.apiVersion {
            throw failure(config, "returned apiVersion \(version), expected \(config.apiVersion)")
        }
        let status = json["status"]
        var credentials = Credentials()
        if let token = status["token"].string, !token.isEmpty {
            credentials.authorization = "Bearer \(token)"
        }
        if let cert = status["clientCertificateData"].string, let key = status["clientKeyData"].string {
            credentials.clientCertificate = Array(cert.utf8)
            credentials.clientKey = Array(key.utf8)
        }
        guard credentials.authorization != nil || credentials.clientCertificate != nil else {
            throw failure(config, "ExecCredential status has neither a token nor a client certificate and key")
        }
        var expiry: Date?
        if let text = status["expirationTimestamp"].string {
            guard let date = Timestamp.date(rfc3339: text) else {
                throw failure(config, "invalid status.expirationTimestamp \"\(text)\"")
            }
            expiry = date
        }
        return (credentials, expiry)
    }
}

/// Reads a pipe to its end on a thread of its own, keeping at most `limit` bytes (and draining the rest,
/// so the writer never blocks on a full pipe). The thread ends at end of file.
private final class PipeDrain: Sendable {
    private let state = LockedState<(data: [UInt8], truncated: Bool)>(([], false))
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle, limit: Int) {
        let fd = handle.fileDescriptor
        let thread = Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 16384)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                state.withLock { state in
                    let room = max(0, limit - state.data.count)
                    if count > room { state.truncated = true }
                    state.data.append(contentsOf: chunk[0..<min(count, room)])
                }
            }
            // Keeps the handle (and so the descriptor) alive until the end of the pipe.
            withExtendedLifetime(handle) { done.signal() }
        }
        thread.name = "exec-plugin-pipe"
        thread.start()
    }

    /// True once the pipe reached its end (before `deadline`).
    func wait(until deadline: DispatchTime) -> Bool {
        guard done.wait(timeout: deadline) == .success else { return false }
        done.signal()  // later waits return at once
        return true
    }

    var bytes: [UInt8] { state.withLock { $0.data } }
    var truncated: Bool { state.withLock { $0.truncated } }
}

extension Duration {
    /// Seconds as a `TimeInterval`, for Dispatch and Foundation APIs.
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
