import Foundation
import KubeCore
@testable import KubeClient
import TestSupport

/// Errors of the test harness itself.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func makeTempDirectory(_ prefix: String) throws -> String {
    let path = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

func read(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}

/// A test CA, a second unrelated CA, a server certificate for 127.0.0.1 and a client certificate,
/// made once per test process with the `openssl` CLI.
struct TestPKI: Sendable {
    let directory: String
    var caCert: String { "\(directory)/ca.crt" }
    var otherCACert: String { "\(directory)/other-ca.crt" }
    var serverCert: String { "\(directory)/server.crt" }
    var serverKey: String { "\(directory)/server.key" }
    var clientCert: String { "\(directory)/client.crt" }
    var clientKey: String { "\(directory)/client.key" }

    /// Made once per test process, by whichever test asks first.
    private static let shared = Task { try await make() }

    static func get() async throws -> TestPKI { try await shared.value }

    private static func make() async throws -> TestPKI {
        let dir = try makeTempDirectory("kubeclient-pki")
        func openssl(_ arguments: [String]) async throws {
            let outcome = try await ChildProcess.run("/usr/bin/openssl", arguments)
            guard outcome.status == 0 else {
                throw HarnessError("openssl \(arguments.joined(separator: " ")) failed (\(outcome.termination)): \(outcome.stderr)")
            }
        }
        for name in ["ca", "other-ca", "server", "client"] {
            try await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(dir)/\(name).key"])
        }
        for (name, cn) in [("ca", "test-ca"), ("other-ca", "other-ca")] {
            try await openssl(["req", "-x509", "-new", "-key", "\(dir)/\(name).key", "-subj", "/CN=\(cn)", "-days", "2",
                              "-out", "\(dir)/\(name).crt"])
        }
        try write("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kube.test\nextendedKeyUsage=serverAuth\n", to: "\(dir)/server.ext")
        try write("extendedKeyUsage=clientAuth\n", to: "\(dir)/client.ext")
        for (name, cn) in [("server", "127.0.0.1"), ("client", "client-user")] {
            try await openssl(["req", "-new", "-key", "\(dir)/\(name).key", "-subj", "/CN=\(cn)", "-out", "\(dir)/\(name).csr"])
            try await openssl(["x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/ca.crt", "-CAkey", "\(dir)/ca.key",
                              "-CAcreateserial", "-days", "2", "-extfile", "\(dir)/\(name).ext", "-out", "\(dir)/\(name).crt"])
        }
        return TestPKI(directory: dir)
    }
}

/// A fake API server on 127.0.0.1 and a free port: `Fixtures/fake_apiserver.py` (HTTP/1.1, the
/// default) or `Fixtures/h2_apiserver.py` (HTTP/2 only). It exits when its standard input closes,
/// so it cannot outlive the test process either.
final class FakeAPIServer: Sendable {
    let port: Int
    let state: String
    let pki: TestPKI
    private let process: ChildProcess

    private init(port: Int, state: String, pki: TestPKI, process: ChildProcess) {
        self.port = port
        self.state = state
        self.pki = pki
        self.process = process
    }

    static func scriptPath(_ script: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(script)").path
    }

    static func start(script: String = "fake_apiserver.py", tokens: [String] = []) async throws -> FakeAPIServer {
        let pki = try await TestPKI.get()
        let state = try makeTempDirectory("kubeclient-state")
        try write(tokens.joined(separator: "\n") + "\n", to: "\(state)/tokens")
        // Tracebacks of deliberately aborted requests are noise; a server that cannot start says why in a file.
        let process = try ChildProcess.start(
            "python3", [scriptPath(script), "--cert", pki.serverCert, "--key", pki.serverKey, "--ca", pki.caCert, "--state", state],
            stdin: .lifeline, stdout: .file("\(state)/stdout"), stderr: .file("\(state)/stderr"))
        // First line: "PORT <n>".
        let port = try? await eventually("\(script) prints its port") { () -> Int? in
            guard process.isRunning else { return 0 }
            guard let text = try? read("\(state)/stdout"), let end = text.firstIndex(of: "\n") else { return nil }
            let line = text[..<end]
            return line.hasPrefix("PORT ") ? Int(line.dropFirst(5)) ?? 0 : 0
        }
        guard let port, port > 0 else {
            await process.stop()
            let why = (try? read("\(state)/stderr"))?.split(separator: "\n").last.map(String.init) ?? ""
            throw HarnessError("fake API server \(script) did not start (\(process.termination.map { "\($0)" } ?? "running")): \(why)")
        }
        return FakeAPIServer(port: port, state: state, pki: pki, process: process)
    }

    var url: String { "https://127.0.0.1:\(port)" }

    func setTokens(_ tokens: [String]) throws {
        try write(tokens.joined(separator: "\n") + "\n", to: "\(state)/tokens")
    }

    func counter(_ name: String) -> Int {
        (try? read("\(state)/\(name)")).flatMap { Int($0) } ?? 0
    }

    func caData() throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: pki.caCert))) }

    func configuration(_ authentication: Authentication = .none) throws -> ClientConfiguration {
        ClientConfiguration(server: url, tls: TLSConfiguration(caData: try caData()), authentication: authentication,
                            requestTimeout: .seconds(10))
    }

    /// Kills the server now, for a `defer`; it is reaped in the background.
    func stop() { process.kill() }

    /// Stops the server, returning once it has exited (its port then refuses connections).
    func stopAndWait() async { await process.stop() }
}
