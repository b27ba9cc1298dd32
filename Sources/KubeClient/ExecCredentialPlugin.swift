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
        try await withCheckedThrowingContinuation { continuation in
            // Process I/O blocks, so it runs on a GCD thread rather than the cooperative pool.
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(config) })
            }
        }
    }

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
        do {
            try process.run()
        } catch {
            throw failure(config, "cannot run: \(error.localizedDescription)")
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errorOutput = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorOutput.prefix(1024), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw failure(config, "exit status \(process.terminationStatus)\(message.isEmpty ? "" : ": \(message)")")
        }
        return try decodeOutput(Array(output), config: config)
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
            guard let date = parseTimestamp(text) else {
                throw failure(config, "invalid status.expirationTimestamp \"\(text)\"")
            }
            expiry = date
        }
        return (credentials, expiry)
    }

    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
