import Foundation
import KubeCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process of a test (a fixture server, kubectl, openssl, the operator binary), spawned so
/// that stopping it works and nothing of it outlives the test:
/// - it starts with an empty signal mask and default signal actions. Test code runs on pool
///   threads that block most signals, and a mask is inherited across exec (Foundation's `Process`
///   passes it on): a Python server started that way never sees SIGTERM;
/// - it leads a process group of its own, and every signal goes to the group, so whatever it
///   started itself (a shell's command, say) is stopped with it;
/// - it inherits no descriptor but its standard three: a long-lived child holding another test's
///   pipe would keep that test waiting for an end of file;
/// - a thread of its own reaps it the moment it exits, whether anyone waits for it or not.
///
/// `stop()` (or `with`, which always calls it) ends it: SIGTERM, then SIGKILL after the grace
/// period, then the group is killed and the exit awaited. `kill()` is for synchronous cleanup.
public final class ChildProcess: Sendable {
    public enum Input: Sendable {
        case null
        case file(String)
        /// A pipe the test holds open: the child reads end of file once it is stopped or the test
        /// process dies (fixture servers exit on it).
        case lifeline
    }

    public enum Output: Sendable {
        case null
        /// Appended to this file (created when absent): stdout and stderr may share one.
        case file(String)
    }

    /// How the process ended.
    public struct Termination: Sendable, Equatable, CustomStringConvertible {
        /// The exit code, or 128 + the signal number when a signal ended it (as a shell reports it).
        public var status: Int32
        /// The signal that ended it, if one did.
        public var signal: Int32?

        init(waitStatus: Int32) {
            let signal = waitStatus & 0x7f
            if signal == 0 {
                status = (waitStatus >> 8) & 0xff
                self.signal = nil
            } else {
                status = 128 + signal
                self.signal = signal
            }
        }

        public var description: String { signal.map { "signal \($0)" } ?? "exit \(status)" }
    }

    /// A finished run: how it ended and what it wrote.
    public struct Outcome: Sendable {
        public var termination: Termination
        public var output: [UInt8]
        public var errors: [UInt8]
        public var status: Int32 { termination.status }
        public var stdout: String { String(decoding: output, as: UTF8.self) }
        public var stderr: String { String(decoding: errors, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let pid: pid_t
    public let command: String
    private let exit: OneShot<Termination>
    private let ended: LockedState<Termination?>
    private let lifeline: LockedState<Int32?>

    private init(pid: pid_t, command: String, lifeline: Int32?) {
        self.pid = pid
        self.command = command
        self.lifeline = LockedState(lifeline)
        let exit = OneShot<Termination>()
        let ended = LockedState<Termination?>(nil)
        self.exit = exit
        self.ended = ended
        // The reaper holds no reference to `self`, so `deinit` still runs for a forgotten child.
        let reaper = Thread {
            var waitStatus: Int32 = 0
            var reaped: pid_t
            repeat { reaped = waitpid(pid, &waitStatus, 0) } while reaped == -1 && errno == EINTR
            let termination = Termination(waitStatus: reaped == pid ? waitStatus : 0x7f00)
            ended.withLock { $0 = termination }
            exit.deliver(termination)
        }
        reaper.name = "reaper-\(pid)"
        reaper.start()
    }

    deinit {
        // A test that forgot to stop its child: never leave it running.
        if ended.withLock({ $0 }) == nil { signalGroup(pid, SIGKILL) }
        closeLifeline()
    }

    /// Starts `executable` (looked up on PATH when it has no slash) with the test process's
    /// environment plus `environment`, less `unset`.
    public static func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                             unset: [String] = [], stdin: Input = .null, stdout: Output = .null,
                             stderr: Output = .null) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var lifeline: (read: Int32, write: Int32)?
        switch stdin {
        case .null: posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 0, path, O_RDONLY, 0)
        case .lifeline:
            var fds: [Int32] = [-1, -1]
            guard pipe(&fds) == 0 else { throw Failure(description: "pipe failed: errno \(errno)") }
            // The test's end must not leak into other children (the child's end is dup'ed to its stdin).
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            lifeline = (fds[0], fds[1])
            posix_spawn_file_actions_adddup2(&actions, fds[0], 0)
        }
        for (fd, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .null: posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_WRONLY, 0)
            case .file(let path): posix_spawn_file_actions_addopen(&actions, fd, path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
            }
        }
        closeFrom(3, &actions)

        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        sigdelset(&everySignal, SIGKILL)
        sigdelset(&everySignal, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var variables = ProcessInfo.processInfo.environment
        for name in unset { variables.removeValue(forKey: name) }
        variables.merge(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        if let lifeline { close(lifeline.read) }
        guard spawned == 0 else {
            if let lifeline { close(lifeline.write) }
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        return ChildProcess(pid: pid, command: ([executable] + arguments).joined(separator: " "), lifeline: lifeline?.write)
    }

    /// Closes every descriptor from `lowest` up in the child (glibc's `addclosefrom_np`, which the
    /// Glibc module does not declare).
    private static func closeFrom(_ lowest: Int32, _ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, lowest)
    }

    /// Starts the process, runs `body`, then stops it, whatever `body` did.
    public static func with<T>(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                               stdin: Input = .null, stdout: Output = .null, stderr: Output = .null,
                               _ body: (ChildProcess) async throws -> T) async throws -> T {
        let child = try start(executable, arguments, environment: environment, stdin: stdin, stdout: stdout, stderr: stderr)
        do {
            let result = try await body(child)
            await child.stop()
            return result
        } catch {
            await child.stop()
            throw error
        }
    }

    /// Runs a command to its end (killed after `timeout`), its output captured through files (no
    /// pipe can fill up and stall it).
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           unset: [String] = [], input: [UInt8]? = nil, timeout: Duration = .seconds(60)) async throws -> Outcome {
        let directory = NSTemporaryDirectory() + "child-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var stdin = Input.null
        if let input {
            try Data(input).write(to: URL(fileURLWithPath: directory + "/stdin"))
            stdin = .file(directory + "/stdin")
        }
        let child = try start(executable, arguments, environment: environment, unset: unset, stdin: stdin,
                              stdout: .file(directory + "/stdout"), stderr: .file(directory + "/stderr"))
        guard let termination = await child.wait(timeout: timeout) else {
            await child.stop(grace: .zero)
            throw Failure(description: "\(child.command) did not finish within \(timeout)")
        }
        func read(_ name: String) -> [UInt8] {
            (try? Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))).map { Array($0) } ?? []
        }
        return Outcome(termination: termination, output: read("stdout"), errors: read("stderr"))
    }

    /// `run` with the text as standard input.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           input: String, timeout: Duration = .seconds(60)) async throws -> Outcome {
        try await run(executable, arguments, environment: environment, input: Array(input.utf8), timeout: timeout)
    }

    public var termination: Termination? { ended.withLock { $0 } }
    public var isRunning: Bool { termination == nil }

    /// Sends `signal` to the child's process group.
    public func signal(_ signal: Int32) {
        if isRunning { signalGroup(pid, signal) }
    }

    /// Waits for the exit, however long (cancellation does not end the wait).
    public func wait() async -> Termination { await exit.wait() }

    /// Waits for the exit; nil after `timeout`, or at once when the task is cancelled.
    public func wait(timeout: Duration) async -> Termination? {
        let exit = self.exit
        let first = await withTaskGroup(of: Termination?.self) { group in
            group.addTask { await exit.waitUnlessCancelled() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        return first ?? termination
    }

    /// SIGTERM, then SIGKILL after `grace`; returns once the child has been reaped. The group is
    /// killed in the end either way, so nothing the child started survives it. Safe to call twice.
    @discardableResult
    public func stop(grace: Duration = .seconds(10)) async -> Termination {
        closeLifeline()
        if isRunning {
            signalGroup(pid, SIGTERM)
            if await wait(timeout: grace) == nil { signalGroup(pid, SIGKILL) }
        }
        let termination = await wait()
        signalGroup(pid, SIGKILL)
        return termination
    }

    /// SIGKILL to the group at once, for cleanup where nothing can be awaited (a `defer`); the
    /// reaper collects the child.
    public func kill() {
        closeLifeline()
        if isRunning { signalGroup(pid, SIGKILL) }
    }

    private func closeLifeline() {
        if let fd = lifeline.withLock({ fd -> Int32? in
            defer { fd = nil }
            return fd
        }) { close(fd) }
    }
}

/// `kill(2)` to the process group that `leader` leads (the method `kill()` hides the C function).
private func signalGroup(_ leader: pid_t, _ signal: Int32) {
    _ = kill(-leader, signal)
}
