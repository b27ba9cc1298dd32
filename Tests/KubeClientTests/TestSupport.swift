import Foundation
import KubeCore
@testable import KubeClient

/// Errors of the test harness itself.
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command to completion, returning stdout; throws with stderr on failure.
@discardableResult
func run(_ executable: String, _ arguments: [String], cwd: String? = nil) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw HarnessError("\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: errors, as: UTF8.self))")
    }
    return String(decoding: output, as: UTF8.self)
}

/// Polls `condition` until it holds or `timeout` passes (a bound for failures only: a passing
/// test returns as soon as the condition holds, so the bound can be loose for loaded machines).
func waitUntil(timeout: Duration = .seconds(30), _ condition: () throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
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

    static let shared: Result<TestPKI, HarnessError> = {
        do {
            return .success(try TestPKI.make())
        } catch {
            return .failure(HarnessError("cannot make test certificates: \(error)"))
        }
    }()

    static func get() throws -> TestPKI { try shared.get() }

    private static func make() throws -> TestPKI {
        let dir = try makeTempDirectory("kubeclient-pki")
        let openssl = "/usr/bin/openssl"
        func key(_ name: String) throws {
            try run(openssl, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "\(dir)/\(name).key"])
        }
        for name in ["ca", "other-ca", "server", "client"] { try key(name) }
        for (name, cn) in [("ca", "test-ca"), ("other-ca", "other-ca")] {
            try run(openssl, ["req", "-x509", "-new", "-key", "\(dir)/\(name).key", "-subj", "/CN=\(cn)", "-days", "2",
                              "-out", "\(dir)/\(name).crt"])
        }
        try write("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kube.test\nextendedKeyUsage=serverAuth\n", to: "\(dir)/server.ext")
        try write("extendedKeyUsage=clientAuth\n", to: "\(dir)/client.ext")
        for (name, cn) in [("server", "127.0.0.1"), ("client", "client-user")] {
            try run(openssl, ["req", "-new", "-key", "\(dir)/\(name).key", "-subj", "/CN=\(cn)", "-out", "\(dir)/\(name).csr"])
            try run(openssl, ["x509", "-req", "-in", "\(dir)/\(name).csr", "-CA", "\(dir)/ca.crt", "-CAkey", "\(dir)/ca.key",
                              "-CAcreateserial", "-days", "2", "-extfile", "\(dir)/\(name).ext", "-out", "\(dir)/\(name).crt"])
        }
        return TestPKI(directory: dir)
    }
}

/// A fake API server on 127.0.0.1 and a free port: `Fixtures/fake_apiserver.py` (HTTP/1.1, the
/// default) or `Fixtures/h2_apiserver.py` (HTTP/2 only).
final class FakeAPIServer: Sendable {
    /// Starts the server on a thread of its own: its start-up (the one-time test PKI through
    /// openssl, then waiting for the script's port line) blocks, and blocking a concurrency pool
    /// thread (two on these 2-core machines) stalls every test running in parallel.
    static func start(script: String = "fake_apiserver.py", tokens: [String] = []) async throws -> FakeAPIServer {
        try await BlockingWork.run { try FakeAPIServer(script: script, tokens: tokens) }
    }

    let port: Int
    let state: String
    let pki: TestPKI
    private let process: Process.Box
    private let stdin: Pipe.Box

    static func scriptPath(_ script: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(script)").path
    }

    init(script: String = "fake_apiserver.py", tokens: [String] = []) throws {
        pki = try TestPKI.get()
        state = try makeTempDirectory("kubeclient-state")
        try write(tokens.joined(separator: "\n") + "\n", to: "\(state)/tokens")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.scriptPath(script), "--cert", pki.serverCert, "--key", pki.serverKey, "--ca", pki.caCert,
                             "--state", state]
        let out = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        // Tracebacks of deliberately aborted requests are noise; a server that cannot start says why in a file.
        let errors = "\(state)/stderr"
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: errors) ?? FileHandle.nullDevice
        try process.run()
        // First line: "PORT <n>".
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            let why = (try? read("\(state)/stderr"))?.split(separator: "\n").last.map(String.init) ?? ""
            throw HarnessError("fake API server \(script) did not start: \(text) \(why)")
        }
        self.port = port
        self.process = Process.Box(process)
        stdin = Pipe.Box(input)
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

    /// Terminates the server and reaps it on a thread of its own: `stop()` runs in `defer` on a
    /// concurrency pool thread, which must not block on the child.
    func stop() {
        try? stdin.value.fileHandleForWriting.close()
        process.value.terminate()
        let process = self.process
        Thread { process.value.waitUntilExit() }.start()
    }

    /// `stop()`, returning once the server has exited (its port then refuses connections).
    func stopAndWait() async {
        try? stdin.value.fileHandleForWriting.close()
        process.value.terminate()
        let process = self.process
        await BlockingWork.run { process.value.waitUntilExit() }
    }
}

extension Process {
    /// Process is thread-safe for terminate/wait; the box lets a Sendable class hold it.
    final class Box: @unchecked Sendable {
        let value: Process
        init(_ value: Process) { self.value = value }
    }
}

extension Pipe {
    final class Box: @unchecked Sendable {
        let value: Pipe
        init(_ value: Pipe) { self.value = value }
    }
}
