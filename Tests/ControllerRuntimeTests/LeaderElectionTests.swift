import KubeCore
import KubeFake
import TestSupport
import Testing
@testable import ControllerRuntime

@Suite("LeaderElection")
struct LeaderElectionTests {
    /// Timings far enough apart that each property is told from the next by seconds, not by
    /// scheduling luck on a loaded 2-core machine: retries every 100 ms, a renew deadline of 2 s, a
    /// lease of 3 s.
    static let leaseDuration = Duration.seconds(3)
    static let renewDeadline = Duration.seconds(2)

    static func config(_ identity: String, release: Bool = true) -> LeaderElector.Configuration {
        LeaderElector.Configuration(leaseName: "test-lease", namespace: "default", identity: identity,
                                    leaseDuration: leaseDuration, renewDeadline: renewDeadline,
                                    retryPeriod: .milliseconds(100), releaseOnCancel: release)
    }

    /// For tests about something else than lease timing: a lease no stall of a loaded machine
    /// outlasts, so leadership is not lost (and leader-only runnables restarted) midway.
    static func steadyConfig(_ identity: String) -> LeaderElector.Configuration {
        LeaderElector.Configuration(leaseName: "test-lease", namespace: "default", identity: identity,
                                    leaseDuration: .seconds(60), renewDeadline: .seconds(45),
                                    retryPeriod: .milliseconds(100), releaseOnCancel: true)
    }

    /// Leadership changes as published: the current state (not leading) first, then each change,
    /// never the same value twice in a row.
    static func alternates(_ changes: [Bool]) -> Bool {
        changes.first == false && zip(changes, changes.dropFirst()).allSatisfy { $0 != $1 }
    }

    @Test func standbyTakesOverWhenTheLeaderStopsWithoutReleasing() async throws {
        let api = FakeKubeAPI()
        let registry = MetricsRegistry()
        let first = LeaderElector(api: api, configuration: Self.config("one", release: false), registry: registry)
        let second = LeaderElector(api: api, configuration: Self.config("two", release: false))
        let runFirst = Task { await first.run() }
        try await waitUntil { first.isLeader }
        let runSecond = Task { await second.run() }
        // The standby found the live lease three times in a row and kept off it.
        try await waitUntil { second.deferrals >= 3 }
        #expect(!second.isLeader)
        #expect(registry.scrapeString().contains(#"leader_election_master_status{name="test-lease"} 1"#))
        runFirst.cancel()
        await runFirst.value
        let stopped = ContinuousClock.now
        // Whether the leader renewed right up to its stop: on a machine starved by parallel suites
        // its lease can lapse earlier, and the standby may then rightly have taken it already.
        let renewedUntilStop = first.lastRenewal.map { stopped - $0 < .milliseconds(500) } ?? false
        try await waitUntil(timeout: .seconds(15)) { second.isLeader }
        let tookOver = ContinuousClock.now - stopped
        if renewedUntilStop {
            // Not before the unreleased lease expires.
            #expect(tookOver > Self.leaseDuration - .milliseconds(600), "took over after \(tookOver), before the lease expired")
        }
        // Then at its next retry (bounded loosely: parallel suites on 2 cores have delayed a retry by 4 s).
        #expect(tookOver < Self.leaseDuration * 4, "took over only after \(tookOver)")
        let lease = try await api.get(.leases, namespace: "default", name: "test-lease")
        #expect(lease[path: "spec", "holderIdentity"].string == "two")
        #expect(lease[path: "spec", "leaseTransitions"].int == 1)
        runSecond.cancel()
        await runSecond.value
    }

    @Test func releaseOnShutdownLetsThePeerTakeOverAtOnce() async throws {
        let api = FakeKubeAPI()
        let first = LeaderElector(api: api, configuration: Self.steadyConfig("one"))
        let second = LeaderElector(api: api, configuration: Self.steadyConfig("two"))
        let runFirst = Task { await first.run() }
        try await waitUntil { first.isLeader }
        let runSecond = Task { await second.run() }
        try await waitUntil { second.deferrals >= 1 }
        runFirst.cancel()
        await runFirst.value
        let released = try await api.get(.leases, namespace: "default", name: "test-lease")
        #expect(released[path: "spec", "holderIdentity"].string != "one")
        let stopped = ContinuousClock.now
        try await waitUntil(timeout: .seconds(15)) { second.isLeader }
        // At its next retry, not when the 60 s lease would have expired (the bound is loose for a
        // machine busy with parallel suites).
        let tookOver = ContinuousClock.now - stopped
        #expect(tookOver < .seconds(30), "took over only after \(tookOver)")
        runSecond.cancel()
        await runSecond.value
    }

    @Test func leadershipIsLostWhenRenewalsFailPastTheDeadline() async throws {
        let api = FakeKubeAPI()
        let elector = LeaderElector(api: api, configuration: Self.config("one"))
        let changes = LockedState<[Bool]>([])
        let stream = elector.leadershipChanges()
        let listen = Task { for await leading in stream { changes.withLock { $0.append(leading) } } }
        let run = Task { await elector.run() }
        try await waitUntil { elector.isLeader }
        api.setFailWrites(true)
        try await waitUntil(timeout: .seconds(15)) { !elector.isLeader }
        api.setFailWrites(false)
        try await waitUntil(timeout: .seconds(15)) { elector.isLeader }
        run.cancel()
        await run.value
        await listen.value
        // Lost while the writes failed, regained after, released at the end. A starved machine may
        // rightly add a loss and a regain (a renewal that missed its 2 s deadline), never a repeat.
        let seen = changes.withLock { $0 }
        #expect(Self.alternates(seen) && seen.count >= 5 && seen.last == false, "\(seen)")
    }

    /// A renewal whose requests hang (a partitioned API server) must not keep this replica leading
    /// past its renew deadline: each attempt ends at the deadline, whatever the request timeout.
    @Test func slowRenewalsEndAtTheRenewDeadline() async throws {
        let api = FakeKubeAPI()
        let elector = LeaderElector(api: api, configuration: Self.config("one"))
        let changes = LockedState<[Bool]>([])
        let stream = elector.leadershipChanges()
        let listen = Task { for await leading in stream { changes.withLock { $0.append(leading) } } }
        let run = Task { await elector.run() }
        try await waitUntil { elector.isLeader }
        // Every lease request now takes 30 s.
        api.leaseLatency.withLock { $0 = .seconds(30) }
        // The safety property, whatever the scheduling: no one who asks is told "leader" once the
        // renew deadline (2 s) after the last successful renewal has passed, so the lease (3 s) never
        // expires for another replica while this one still acts as leader. Each instant is taken
        // before asking, so it is no later than the moment the answer was computed.
        var lastSeenLeading = ContinuousClock.now
        let stopAsking = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < stopAsking {
            let asked = ContinuousClock.now
            guard elector.isLeader else { break }
            lastSeenLeading = asked
            try? await Task.sleep(for: .milliseconds(5))
        }
        let renewed = try #require(elector.lastRenewal)
        #expect(!elector.isLeader)
        #expect(lastSeenLeading < renewed + Self.renewDeadline, "still leader \(lastSeenLeading - renewed) after the last renewal")
        // The elector itself steps down (never after the 30 s of the requests) and says so.
        try await waitUntil { changes.withLock { $0.count >= 3 && $0.last == false } }
        #expect(Self.alternates(changes.withLock { $0 }), "\(changes.withLock { $0 })")
        api.leaseLatency.withLock { $0 = nil }
        try await waitUntil { elector.isLeader }
        run.cancel()
        await run.value
        await listen.value
    }

    /// Two managers: only the leader runs its leader-only controller; when it stops, the other does.
    @Test func onlyTheLeaderManagerRunsLeaderOnlyRunnables() async throws {
        let api = FakeKubeAPI()
        let running = LockedState<[String: Bool]>([:])
        func manager(_ id: String) -> Manager {
            let manager = Manager(api: api, options: Manager.Options(leaderElection: Self.steadyConfig(id)))
            manager.add(RunnableFunc {
                running.withLock { $0[id] = true }
                defer { running.withLock { $0[id] = false } }
                await untilCancelled()
            }, needsLeaderElection: true)
            return manager
        }
        let one = manager("one")
        let two = manager("two")
        let runOne = Task { try await one.run() }
        try await waitUntil { running.withLock { $0["one"] == true } }
        let runTwo = Task { try await two.run() }
        try await waitUntil { (two.leaderElector?.deferrals ?? 0) >= 3 }
        #expect(running.withLock { $0["two"] } != true)
        runOne.cancel()
        _ = await runOne.result
        #expect(running.withLock { $0["one"] } == false)
        try await waitUntil(timeout: .seconds(10)) { running.withLock { $0["two"] == true } }
        runTwo.cancel()
        _ = await runTwo.result
        let lease = try await api.get(.leases, namespace: "default", name: "test-lease")
        #expect(lease[path: "spec", "holderIdentity"].string == "")
    }
}

@Suite("Manager")
struct ManagerTests {
    @Test func gracefulShutdownStopsRunnablesAndReleasesTheLease() async throws {
        let api = FakeKubeAPI()
        let manager = Manager(api: api, options: Manager.Options(
            metricsAddress: try ListenAddress(parsing: "127.0.0.1:0"), healthAddress: try ListenAddress(parsing: "127.0.0.1:0"),
            leaderElection: LeaderElectionTests.steadyConfig("solo")))
        let running = SendableFlag()
        manager.add(RunnableFunc {
            running.value = true
            await untilCancelled()
            running.value = false
        })
        let group = manager.serviceGroup(handlingSignals: false)
        let run = Task { try await group.run() }
        try await waitUntil { running.value }
        // Ready once the API answered and (no) informers synced.
        let port = await manager.healthServer?.boundPort() ?? 0
        #expect(port > 0)
        let started = ContinuousClock.now
        await group.triggerGracefulShutdown()
        _ = await run.result
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(!running.value)
        let lease = try await api.get(.leases, namespace: "default", name: "test-lease")
        #expect(lease[path: "spec", "holderIdentity"].string == "")
    }

    /// controller-runtime's stop order: controllers first (their last reconcile may still record
    /// events and write through caches), then the lease, then the rest, then the HTTP servers.
    @Test func gracefulShutdownStopsInOrder() async throws {
        let api = FakeKubeAPI()
        let manager = Manager(api: api, options: Manager.Options(
            metricsAddress: try ListenAddress(parsing: "127.0.0.1:0"),
            leaderElection: LeaderElectionTests.steadyConfig("ordered")))
        final class Log: Sendable {
            let lines = LockedState<[String]>([])
            func append(_ line: String) { lines.withLock { $0.append(line) } }
        }
        let log = Log()
        let holder: @Sendable () async -> String? = {
            try? await api.get(.leases, namespace: "default", name: "test-lease")[path: "spec", "holderIdentity"].string
        }
        manager.add(RunnableFunc {
            await untilCancelled()
            // A slow last reconcile (not itself cancelled): everything else must still be up meanwhile.
            await Task.detached {
                try? await Task.sleep(for: .milliseconds(200))
                let lease = await holder()
                let port = await manager.metricsServer?.boundPort() ?? 0
                let metricsUp = (try? await MetricsTests.fetch("http://127.0.0.1:\(port)/metrics"))?.1 == 200
                log.append("controller stopped (lease \(lease ?? "?"), metrics \(metricsUp ? "up" : "down"))")
            }.value
        }, needsLeaderElection: true)
        manager.add(RunnableFunc {
            await untilCancelled()
            let lease = await holder()
            log.append("cache stopped (lease \(lease?.isEmpty == true ? "released" : lease ?? "?"))")
        }, needsLeaderElection: false)
        let group = manager.serviceGroup(handlingSignals: false)
        let run = Task { try await group.run() }
        try await waitUntil { manager.leaderElector?.isLeader == true }
        await group.triggerGracefulShutdown()
        _ = await run.result
        #expect(log.lines.withLock { $0 } == ["controller stopped (lease ordered, metrics up)", "cache stopped (lease released)"])
    }

    @Test func readinessReflectsInformerSync() async throws {
        let api = FakeKubeAPI()
        let manager = Manager(api: api, options: Manager.Options(apiPingInterval: .milliseconds(50)))
        #expect(await manager.health.failingReadiness().contains("apiserver"))
        let run = Task { try await manager.run() }
        try await waitUntil { manager.informers.hasSynced }
        try await waitUntil("ready") { await manager.health.failingReadiness().isEmpty }
        run.cancel()
        _ = await run.result
    }
}
