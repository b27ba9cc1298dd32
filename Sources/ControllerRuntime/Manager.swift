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
        /// The metrics server's limits (the health server has its own, `HTTPServerLimits.health`).
        public var metricsLimits: HTTPServerLimits
        /// nil: no leader election (every runnable starts at once).
        public var leaderElection: LeaderElector.Configuration?
        /// How often `/version` is fetched to prove the API server is reachable (readiness).
        public var apiPingInterval: Duration
        public var gracefulShutdownTimeout: Duration

        public init(metricsAddress: ListenAddress? = nil, healthAddress: ListenAddress? = nil,
                    leaderElection: LeaderElector.Configuration? = nil, apiPingInterval: Duration = .seconds(30),
                    gracefulShutdownTimeout: Duration = .seconds(10), metricsLimits: HTTPServerLimits = HTTPServerLimits()) {
            self.metricsAddress = metricsAddress
            self.healthAddress = healthAddress
            self.metricsLimits = metricsLimits
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
        metricsServer = options.metricsAddress.map { RuntimeHTTPServer.metrics(address: $0, registry: registry, limits: options.metricsLimits, logger: logger) }
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

    /// Runs every runnable in stages whose graceful shutdown goes in this order (controller-runtime's
    /// stop procedure): controllers, so that a reconcile in flight completes and the events it
    /// records are still written; then the lease, released only once nothing writes any more; then
    /// the caches, the API ping and the event recorder (which writes what is still buffered); and
    /// last the HTTP servers, so `/metrics` and `/healthz` answer until the end.
    private func runAll() async throws {
        let all = runnables.withLock { $0 }
        let always = all.filter { !$0.leaderOnly }.map(\.runnable)
        let leaderOnly = all.filter(\.leaderOnly).map(\.runnable)

        var servers: [@Sendable () async throws -> Void] = []
        if let metricsServer { servers.append { try await metricsServer.run() } }
        if let healthServer { servers.append { try await healthServer.run() } }
        var caches: [@Sendable () async throws -> Void] = [{ await self.pingLoop() }]
        caches += always.map { runnable in { try await runnable.run() } }
        var lease: [@Sendable () async throws -> Void] = []
        var controllers: [@Sendable () async throws -> Void] = []
        if let leaderElector {
            lease.append { await leaderElector.run() }
            controllers.append { try await self.runWhileLeading(leaderOnly, elector: leaderElector) }
        } else {
            controllers += leaderOnly.map { runnable in { try await runnable.run() } }
        }
        // Started in this order, shut down in the reverse.
        let stages = [
            ShutdownStage(name: "servers", bodies: servers),
            ShutdownStage(name: "caches", bodies: caches),
            ShutdownStage(name: "lease", bodies: lease),
            ShutdownStage(name: "controllers", bodies: controllers),
        ]
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: stages.map {
                .init(service: $0, successTerminationBehavior: .ignore, failureTerminationBehavior: .cancelGroup)
            },
            gracefulShutdownSignals: [], cancellationSignals: [], logger: logger))
        do {
            try await withGracefulShutdownHandler {
                try await group.run()
            } onGracefulShutdown: {
                Task { await group.triggerGracefulShutdown() }
            }
        } catch {
            await informers.stopAll()
            throw error
        }
        await informers.stopAll()
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
