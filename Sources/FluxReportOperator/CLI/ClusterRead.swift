import ControllerRuntime
import FluxReport
import KubeClient
import KubeCore
import Logging

/// How the one-shot commands (`report`, `problems`, `why`) read a cluster once from a kubeconfig:
/// `--timeout` bounds the whole command, one cheap request first so a kubeconfig that cannot work
/// fails at once with its cause, then the operator's own caches (one LIST per kind, no watch kept).
///
/// Exit codes (README, Command line): 2 for bad flags or kubeconfig, 3 when the cluster cannot be
/// used, 4 when nothing conclusive came within `--timeout`.
struct ClusterRead {
    static let clusterUnusableExitCode: Int32 = 3
    static let timeoutExitCode: Int32 = 4

    let api: KubernetesClient
    let server: String
    /// `--timeout` as typed, for messages.
    let timeout: String
    let started: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    let logger: Logger

    /// `--timeout`: a positive Go duration, else a usage error.
    static func parseTimeout(_ text: String) throws -> Duration {
        guard let wait = try? GoDuration.parse(text), wait > .zero else {
            throw UsageError("invalid --timeout \"\(text)\": want a positive Go duration such as 30s")
        }
        return wait
    }

    /// Loads the kubeconfig (`validate` runs between loading it and the first request, for the
    /// command's own flags) and checks access: a 401, 403, TLS or connection failure ends the
    /// command here with exit code 3, no answer in time with 4.
    static func connect(_ options: KubeconfigOptions, timeout: String, command: String,
                        validate: () throws -> Void = {}) async throws -> ClusterRead {
        let wait = try parseTimeout(timeout)
        let configuration = try options.load()
        try validate()
        RuntimeLogHandler.bootstrap(encoding: .console, level: .error)
        let started = ContinuousClock.now
        let read = ClusterRead(api: KubernetesClient(configuration: configuration), server: configuration.server,
                               timeout: timeout, started: started, deadline: started + wait, logger: Logger(label: command))
        let api = read.api
        switch await race(until: read.deadline, { try await Self.checkAccess(api) }) {
        case .finished: break
        case .timedOut:
            throw OperatorExit(code: Self.timeoutExitCode, message: "error: no answer from \(read.server) within \(timeout)")
        case .failed(let error):
            throw OperatorExit(code: Self.clusterUnusableExitCode, message: "error: \(Self.describe(error, server: read.server))")
        }
        return read
    }

    /// LIST of one CRD: reaches the server, authenticates, and checks the one permission without
    /// which nothing can be read.
    static func checkAccess(_ api: KubernetesClient) async throws {
        _ = try await api.list(.customResourceDefinitions, namespace: nil, options: ListOptions(limit: 1))
    }

    static func describe(_ error: any Error, server: String) -> String {
        if let error = error as? KubeAPIError {
            return error.summary(server: server, verb: "list", resource: "customresourcedefinitions.apiextensions.k8s.io")
        }
        return "\(error)"
    }

    /// Starts the caches and waits until `until` for all of them to sync; false when they did not
    /// in time. The caller cancels the returned task when done.
    func syncCache(namespace: String, until: ContinuousClock.Instant) async -> (cache: ClusterCache, task: Task<Void, Never>, synced: Bool) {
        let cache = ClusterCache(api: api, namespace: namespace, logger: logger)
        let task = Task { await cache.run() }
        switch await race(until: until, { await cache.waitForSync() }) {
        case .finished: return (cache, task, true)
        case .failed, .timedOut: return (cache, task, false)
        }
    }
}
