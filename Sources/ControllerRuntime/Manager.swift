import KubeClient
import KubeCore
import Logging
import ServiceLifecycle

/// Something the manager runs until cancelled (controller-runtime's `manager.Runnable`).
public protocol Runnable: Sendable {
    func run() async throws
}

extension Controller: Runnable {}

/// A runnable from a closure.
public struct RunnableFunc: Runnable {
    private let body: @Sendable () async throws -> Void
    public init(_ body: @escaping @Sendable () async throws -> Void) { self.body = body }
    public func run() async throws { try await body() }
}

/// Runs everything an operator needs: informers, controllers (leader-only ones only while leading),
/// leader election, the metrics and health servers (controller-runtime's `Manager`).
///
/// `run()` ends on cancellation or graceful shutdown; `runUntilSignalled()` wires SIGTERM/SIGINT.
public final class Manager: Service, Sendable {
    public struct Options: Sendable {
        public var metricsAddress: ListenAddress?
        public var healthAddress: ListenAddress?
        /// nil: no leader election (every runnable starts at once).
        public var leaderElection: LeaderElector.Configuration?
        /// How often `/version` is fetched to prove the API server is reachable (readiness).
        public var apiPingInterval: Duration
        public var gracefulShutdownTimeout: Duration

        public init(metricsAddress: ListenAddress? = nil, healthAddress: ListenAddress? = nil,
                    leaderElection: LeaderElector.Configuration? = nil, apiPingInterval: Duration = .seconds(30),
                    gracefulShutdownTimeout: Duration = .seconds(10)) {
            self.metricsAddress = metricsAddress
            self.healthAddress = healthAddress
            self.leaderElection = leaderElection
            self.apiPingInterval = apiPingInterval
            self.gracefulShutdownTimeout = gracefulShutdownTimeout
        }
    }

    public let api: any KubeAPI
    public let options: Options
    public let registry: MetricsRegistry
    public let informers: InformerSet
    public let health = HealthChecks()
    public let metricsServer: RuntimeHTTPServer?
    public let healthServer: RuntimeHTTPServer?
    public let leaderElector: LeaderElector?
    private let logger: Logger
    private let runnables = LockedState<[(runnable: any Runnable, leaderOnly: Bool)]>([])
    private let apiContact = APIContact()

    public init(api: any KubeAPI, options: Options, registry: MetricsRegistry = MetricsRegistry(),
                logger: Logger = Logger(label: "manager")) {
        self.api = api
        self.options = options
        self.registry = registry
        self.logger = logger
        self.informers = InformerSet(api: api, logger: logger)
        registry.register(collector: ProcessCollector())
        metricsServer = options.metricsAddress.map { RuntimeHTTPServer.metrics(address: $0, registry: registry, logger: logger) }
        healthServer = options.healthAddress.map { [health] in RuntimeHTTPServer.health(address: $0, checks: health, logger: logger) }
        leaderElector = options.leaderElection.map { LeaderElector(api: api, configuration: $0, registry: registry, logger: logger) }
        let informers = self.informers
        let apiContact = self.apiContact
        let window = options.apiPingInterval * 3
        health.addLivenessCheck("ping") { true }
        health.addReadinessCheck("informers-synced") { informers.hasSynced }
        health.addReadinessCheck("apiserver") { apiContact.within(window) }
    }

    /// Adds a runnable; leader-only runnables start when leadership is acquired and are cancelled when it is lost.
    public func add(_ runnable: any Runnable, needsLeaderElection: Bool = true) {
        runnables.withLock { $0.append((runnable, needsLeaderElection)) }
    }

    /// Runs until cancelled or until graceful shutdown is triggered; then stops everything,
    /// releasing the lease.
    public func run() async throws {
        try await runAll()
    }

    /// Runs under a `ServiceGroup` that turns SIGTERM/SIGINT into graceful shutdown, escalating to
    /// cancellation after `gracefulShutdownTimeout`.
    public func runUntilSignalled() async throws {
        try await serviceGroup(handlingSignals: true).run()
    }

    /// A `ServiceGroup` running this manager; `triggerGracefulShutdown()` on it stops the manager
    /// gracefully (leases released), with cancellation after `gracefulShutdownTimeout`.
    /// With `handlingSignals`, SIGTERM and SIGINT trigger the graceful shutdown.
    public func serviceGroup(handlingSignals: Bool) -> ServiceGroup {
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: self)], gracefulShutdownSignals: handlingSignals ? [.sigterm, .sigint] : [],
            cancellationSignals: [], logger: logger)
        configuration.maximumGracefulShutdownDuration = options.gracefulShutdownTimeout
        return ServiceGroup(configuration: configuration)
    }

    /// The order graceful shutdown stops things in (controller-runtime's stop procedure).
    enum Stage: Int, CaseIterable {
        /// Controllers: a reconcile in flight completes, and the events it records are still written.
        case leaderOnly
        /// The lease is released only once nothing writes any more.
        case leaderElection
        /// Caches, the API ping, the event recorder (which writes what is still buffered).
        case always
        /// `/metrics` and `/healthz` answer until the end.
        case servers
    }

    private func runAll() async throws {
        let all = runnables.withLock { $0 }
        let always = all.filter { !$0.leaderOnly }.map(\.runnable)
        let leaderOnly = all.filter(\.leaderOnly).map(\.runnable)
        let stages = StagedShutdown<Stage>()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let metricsServer { group.addTask { try await stages.run(.servers) { try await metricsServer.run() } } }
                if let healthServer { group.addTask { try await stages.run(.servers) { try await healthServer.run() } } }
                group.addTask { try await stages.run(.always) { await self.pingLoop() } }
                for runnable in always { group.addTask { try await stages.run(.always) { try await runnable.run() } } }
                if let leaderElector {
                    group.addTask { try await stages.run(.leaderElection) { await leaderElector.run() } }
                    group.addTask { try await stages.run(.leaderOnly) { try await self.runWhileLeading(leaderOnly, elector: leaderElector) } }
                } else {
                    for runnable in leaderOnly { group.addTask { try await stages.run(.leaderOnly) { try await runnable.run() } } }
                }
                // A runnable that fails takes the manager down (like controller-runtime); one that
                // returns normally just leaves.
                while !group.isEmpty {
                    do {
                        try await group.next()
                    } catch is CancellationError {
                        continue  // stopping, not failing
                    } catch {
                        group.cancelAll()
                        informers.stopAll()
                        throw error
                    }
                }
            }
        } onGracefulShutdown: {
            stages.stopInOrder()
        }
        informers.stopAll()
    }

    private func runWhileLeading(_ runnables: [any Runnable], elector: LeaderElector) async throws {
        var leaderTask: Task<Void, Never>?
        let logger = self.logger
        for await leading in elector.leadershipChanges() {
            if leading, leaderTask == nil {
                logger.info("started leading; starting leader-only runnables", metadata: ["count": "\(runnables.count)"])
                leaderTask = Task {
                    await withTaskGroup(of: Void.self) { group in
                        for runnable in runnables {
                            group.addTask {
                                do { try await runnable.run() } catch {
                                    logger.error("leader-only runnable failed", metadata: ["error": "\(error)"])
                                }
                            }
                        }
                    }
                }
            } else if !leading, let task = leaderTask {
                logger.info("stopped leading; stopping leader-only runnables")
                task.cancel()
                await task.value
                leaderTask = nil
            }
        }
        leaderTask?.cancel()
        await leaderTask?.value
    }

    private func pingLoop() async {
        while !Task.isCancelled {
            do {
                _ = try await api.serverVersion()
                apiContact.touch()
            } catch {
                if Task.isCancelled { return }
                // 401/403/TLS do not heal by retrying: say so at error level, every ping while it lasts.
                if let error = error as? KubeAPIError, error.needsUserAction {
                    logger.error("API server ping failed", metadata: ["error": "\(error.summary(server: "the API server", verb: "get", resource: "/version"))"])
                } else {
                    logger.debug("API server ping failed", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: options.apiPingInterval)
        }
    }
}

/// When the API server last answered.
final class APIContact: Sendable {
    private let last = LockedState<ContinuousClock.Instant?>(nil)
    func touch() { last.withLock { $0 = ContinuousClock.now } }
    func within(_ window: Duration) -> Bool {
        guard let last = last.withLock({ $0 }) else { return false }
        return ContinuousClock.now - last < window
    }
}
