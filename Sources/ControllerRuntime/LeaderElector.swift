import Foundation
import KubeCore
import Logging
import Prometheus

/// Leader election on a coordination.k8s.io/v1 Lease (client-go's `leaderelection`).
///
/// The holder renews every `retryPeriod`; if renewing keeps failing for `renewDeadline` it
/// gives up leadership. Another candidate takes the lease once it has seen the same record
/// unchanged for `leaseDuration` (measured on its own clock, so clock skew does not matter).
/// On shutdown the leader releases the lease (empty holder, 1 s duration) so a peer takes over at once.
public final class LeaderElector: Sendable {
    public struct Configuration: Sendable {
        public var leaseName: String
        public var namespace: String
        public var identity: String
        public var leaseDuration: Duration
        public var renewDeadline: Duration
        public var retryPeriod: Duration
        public var releaseOnCancel: Bool

        public init(leaseName: String, namespace: String, identity: String = LeaderElector.defaultIdentity(),
                    leaseDuration: Duration = .seconds(35), renewDeadline: Duration = .seconds(30),
                    retryPeriod: Duration = .seconds(5), releaseOnCancel: Bool = true) {
            self.leaseName = leaseName
            self.namespace = namespace
            self.identity = identity
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
            self.releaseOnCancel = releaseOnCancel
        }
    }

    /// Pod name (HOSTNAME) plus a random suffix, like controller-runtime.
    public static func defaultIdentity() -> String {
        let host = ProcessInfo.processInfo.environment["POD_NAME"] ?? ProcessInfo.processInfo.hostName
        return "\(host)_\(UUID().uuidString.lowercased())"
    }

    public let configuration: Configuration
    private let api: any KubeAPI
    private let logger: Logger
    private let gauge: Gauge?

    private struct State {
        var leading = false
        var observedRecord: JSONValue = .null
        var observedAt: ContinuousClock.Instant?
        /// Start of the last successful acquire or renew (what the lease's renewTime says).
        var lastRenewal: ContinuousClock.Instant?
        /// Attempts that found another holder's live lease (tests wait on it instead of sleeping).
        var deferrals = 0
    }
    private let state = LockedState(State())
    /// Leadership changes; `leading` changes inside its `publish`, so a new subscriber's replay of
    /// the current state and later changes never cross.
    private let changes = Broadcaster<Bool>()

    public init(api: any KubeAPI, configuration: Configuration, registry: MetricsRegistry? = nil, logger: Logger? = nil) {
        self.api = api
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "leader-election")
        self.gauge = registry?.gauge("leader_election_master_status",
                                     help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
                                     labels: [("name", configuration.leaseName)])
        gauge?.set(Double(0))
    }

    /// Whether this instance leads now: it won the lease and its last renewal is within the renew
    /// deadline. The deadline is checked here, at the moment of asking, so the answer is never
    /// stale even when the elector's own step-down (and the `leadershipChanges` it publishes) runs
    /// late on a starved machine: what it gates stops before the lease can pass to another replica.
    public var isLeader: Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard state.leading, let renewed = state.lastRenewal else { return false }
            return now < renewed + configuration.renewDeadline
        }
    }

    /// Start of the last successful acquire or renew by this instance.
    var lastRenewal: ContinuousClock.Instant? { state.withLock { $0.lastRenewal } }

    /// How many attempts found the lease held live by someone else.
    var deferrals: Int { state.withLock { $0.deferrals } }

    /// Leadership changes: `true` when this instance starts leading, `false` when it stops.
    /// The current state is delivered first.
    public func leadershipChanges() -> AsyncStream<Bool> {
        changes.stream(replay: { [state.withLock { $0.leading }] })
    }

    /// Campaigns and renews until cancelled; releases the lease on the way out when leading.
    /// Runs on a thread of its own (`DedicatedExecutor`), so renewals keep their deadlines while
    /// report computations keep the cooperative pool busy.
    public func run() async {
        let executor = DedicatedExecutor(name: "leader-election")
        defer { executor.stop() }
        await withTaskExecutorPreference(executor) { await campaign(on: executor) }
    }

    private func campaign(on executor: DedicatedExecutor) async {
        while !Task.isCancelled {
            // Acquire. An attempt counts from when it started (the renewTime it writes), and one that
            // takes longer than the renew deadline is abandoned: its lease would be nearly spent.
            var lastRenew = ContinuousClock.now
            while !Task.isCancelled {
                let started = ContinuousClock.now
                if await attempt(until: started + configuration.renewDeadline, on: executor) {
                    lastRenew = started
                    state.withLock { $0.lastRenewal = started }
                    break
                }
                try? await Task.sleep(for: jittered(configuration.retryPeriod))
            }
            guard !Task.isCancelled else { break }
            setLeading(true)
            logger.info("acquired lease", metadata: ["lease": "\(configuration.namespace)/\(configuration.leaseName)", "identity": "\(configuration.identity)"])
            // Renew until the deadline passes without a successful renewal. Each attempt (a GET and a
            // PUT, each up to the client's request timeout) is cut off at the deadline, so a replica
            // never believes it leads after the time its last renewal guaranteed.
            while !Task.isCancelled {
                try? await Task.sleep(for: configuration.retryPeriod)
                if Task.isCancelled { break }
                let started = ContinuousClock.now
                let deadline = lastRenew + configuration.renewDeadline
                if await attempt(until: deadline, on: executor) {
                    lastRenew = started
                    state.withLock { $0.lastRenewal = started }
                } else if ContinuousClock.now >= deadline {
                    setLeading(false)  // first: a slow log write must not delay it
                    logger.error("failed to renew lease before the deadline; leadership lost",
                                 metadata: ["lease": "\(configuration.leaseName)"])
                    break
                }
            }
        }
        if state.withLock({ $0.leading }) {
            // Our task is cancelled, which would abort the request: release from a fresh task.
            if configuration.releaseOnCancel { await Task(executorPreference: executor) { await self.release() }.value }
            setLeading(false)
        }
        changes.finish()
    }

    /// `tryAcquireOrRenew`, given up (false) at `deadline`. The attempt is cancelled then, and not
    /// awaited: a request that ignores cancellation cannot hold leadership decisions past the deadline.
    func attempt(until deadline: ContinuousClock.Instant, on executor: DedicatedExecutor) async -> Bool {
        guard ContinuousClock.now < deadline else { return false }
        let outcome = OneShot<Bool>()
        let work = Task(executorPreference: executor) { outcome.deliver(await self.tryAcquireOrRenew()) }
        let timer = Task(executorPreference: executor) {
            try? await Task.sleep(until: deadline, clock: .continuous)
            outcome.deliver(false)
        }
        let result = await withTaskCancellationHandler {
            await outcome.wait()
        } onCancel: {
            outcome.deliver(false)
        }
        work.cancel()
        timer.cancel()
        return result
    }

    private func jittered(_ period: Duration) -> Duration {
        period + period * Double.random(in: 0...0.2)
    }

    private func setLeading(_ leading: Bool) {
        changes.publish {
            state.withLock { state in
                guard state.leading != leading else { return [] }
                state.leading = leading
                return [leading]
            }
        }
        gauge?.set(leading ? 1.0 : 0.0)
    }

    private var leaseSeconds: Int64 { Int64((configuration.leaseDuration / .seconds(1)).rounded(.up)) }

    /// One attempt; true when this instance holds the lease afterwards.
    func tryAcquireOrRenew() async -> Bool {
        let resource = GroupVersionResource.leases
        let now = Timestamp.rfc3339(Date(), fractionDigits: 6)
        do {
            guard let lease = try await api.getIfExists(resource, namespace: configuration.namespace, name: configuration.leaseName) else {
                let lease: JSONValue = [
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": ["name": .string(configuration.leaseName), "namespace": .string(configuration.namespace)],
                    "spec": [
                        "holderIdentity": .string(configuration.identity), "leaseDurationSeconds": .int(leaseSeconds),
                        "acquireTime": .string(now), "renewTime": .string(now), "leaseTransitions": 0,
                    ],
                ]
                let created = try await api.create(resource, namespace: configuration.namespace, object: lease, options: WriteOptions())
                observe(created["spec"])
                return true
            }
            let spec = lease["spec"]
            let holder = spec["holderIdentity"].string ?? ""
            let observedAt = observe(spec)
            let leaseDuration = spec["leaseDurationSeconds"].int.map { Duration.seconds($0) } ?? configuration.leaseDuration
            if !holder.isEmpty, holder != configuration.identity, ContinuousClock.now - observedAt < leaseDuration {
                state.withLock { $0.deferrals += 1 }
                logger.debug("lease held by another replica", metadata: ["holder": "\(holder)"])
                return false  // someone else holds a live lease
            }
            var updated = lease
            let transitions = spec["leaseTransitions"].int ?? 0
            if holder == configuration.identity {
                updated["spec"]["renewTime"] = .string(now)
            } else {
                updated["spec"] = [
                    "holderIdentity": .string(configuration.identity), "leaseDurationSeconds": .int(leaseSeconds),
                    "acquireTime": .string(now), "renewTime": .string(now), "leaseTransitions": .int(transitions < .max ? transitions + 1 : .max),
                ]
            }
            updated["spec"]["leaseDurationSeconds"] = .int(leaseSeconds)
            // PUT with the read resourceVersion: a concurrent writer makes this fail with 409.
            let written = try await api.update(resource, namespace: configuration.namespace, object: updated, subresource: nil, options: WriteOptions())
            observe(written["spec"])
            return true
        } catch {
            logger.debug("lease attempt failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Records the lease record; returns when it was first seen in this exact form.
    @discardableResult
    private func observe(_ spec: JSONValue) -> ContinuousClock.Instant {
        state.withLock { state in
            if state.observedRecord != spec || state.observedAt == nil {
                state.observedRecord = spec
                state.observedAt = ContinuousClock.now
            }
            return state.observedAt ?? ContinuousClock.now
        }
    }

    /// Clears the holder so a peer can take over immediately.
    public func release() async {
        let resource = GroupVersionResource.leases
        do {
            guard var lease = try await api.getIfExists(resource, namespace: configuration.namespace, name: configuration.leaseName),
                  lease[path: "spec", "holderIdentity"].string == configuration.identity else { return }
            let now = Timestamp.rfc3339(Date(), fractionDigits: 6)
            lease["spec"]["holderIdentity"] = .string("")
            lease["spec"]["leaseDurationSeconds"] = 1
            lease["spec"]["acquireTime"] = .string(now)
            lease["spec"]["renewTime"] = .string(now)
            _ = try await api.update(resource, namespace: configuration.namespace, object: lease, subresource: nil, options: WriteOptions())
            logger.info("released lease", metadata: ["lease": "\(configuration.leaseName)"])
        } catch {
            logger.warning("failed to release lease", metadata: ["error": "\(error)"])
        }
    }
}
