import KubeCore
import Foundation
import TestSupport
import Testing
@testable import KubeClient

/// The exec credential plugin against plugins that misbehave: output on both pipes larger than a
/// pipe holds, and a plugin that never exits.
@Suite("Exec credential plugin", .timeLimit(.minutes(1)))
struct ExecPluginTests {
    /// The plugin's outcome, or nil when it has not returned within `limit` (the test then fails
    /// instead of hanging with the plugin).
    static func credentials(_ config: ExecConfig, within limit: Duration) async -> Result<Credentials, any Error>? {
        let outcome = LockedState<Result<Credentials, any Error>?>(nil)
        let plugin = ExecCredentialPlugin(config: config)
        let task = Task.detached {
            let result: Result<Credentials, any Error>
            do { result = .success(try await plugin.credentials()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
        }
        if let done = try? await eventually("the plugin returned", timeout: limit, { outcome.withLock { $0 } }) { return done }
        task.cancel()
        return outcome.withLock { $0 }
    }

    static let credential = #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"big-token"}}"#

    @Test("a plugin writing 1 MiB to stderr before its credential does not deadlock")
    func fullStderrPipe() async throws {
        // Writes stderr first and only then stdout: reading stdout to its end first waits forever
        // while the plugin waits for room in the stderr pipe.
        let script = "import sys; sys.stderr.write('x' * (1 << 20)); sys.stderr.flush(); sys.stdout.write('\(Self.credential)')"
        let config = ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: "python3", args: ["-c", script])
        // A deadlock never returns; 60 s leaves room for a machine busy with parallel suites.
        let result = await Self.credentials(config, within: .seconds(60))
        let credentials = try #require(try result?.get(), "the plugin did not return within 60 s")
        #expect(credentials.authorization == "Bearer big-token")
    }

    @Test("a plugin that never exits is killed after its timeout, with an error naming it")
    func hungPluginTimesOut() async throws {
        let config = ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: "sleep", args: ["600"],
                                timeout: .seconds(1))
        let started = ContinuousClock.now
        let result = await Self.credentials(config, within: .seconds(30))
        let elapsed = ContinuousClock.now - started
        guard case .failure(let error)? = result else {
            Issue.record("expected a timeout error within 30 s, got \(String(describing: result))")
            return
        }
        // The failure guarded against is waiting out the plugin (600 s); the bound leaves room for a
        // machine busy with parallel suites to spawn, kill and reap it.
        #expect(elapsed < .seconds(20), "returned after \(elapsed)")
        #expect("\(error)".contains("did not finish within"), "\(error)")
    }
}
