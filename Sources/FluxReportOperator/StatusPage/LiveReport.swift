import ControllerRuntime
import FluxReport
import Foundation
import KubeCore
import Logging

/// The report as the status page shows it: `ReportBuilder.build` — the function the reconciler
/// writes the FluxReport with — over the same caches, on every replica (leader or not).
///
/// The cache parts are read when a page asks and something changed since the last report: one
/// computation at a time, off the cooperative pool, shared by every page asking meanwhile
/// (`SharedComputation`). The parts the reconciler reads with GETs (server version, entitlement
/// Secret, sync Kustomization and source) are refreshed in the background every `lookupInterval`,
/// and soon after the caches say the sync pair or the instances changed — never per page view.
final class LiveReport: Sendable {
    struct Computed: Sendable {
        var result: ReportResult
        /// Seconds since the Unix epoch.
        var computedAt: Int64
        /// `/api/v1/report`: the spec in the written report's encoding, rendered with the report.
        var specJSON: String
    }

    struct TimedEvent: Sendable, Equatable {
        var time: Int64
        var event: ReportEvent
    }

    static let eventCapacity = 100

    private struct Lookups: Sendable {
        var serverVersion: PartResult<ServerVersionInfo>
        var entitlement: Lookup<EntitlementSecret>
        var syncKustomization: Lookup<SyncKustomization>
        var syncSource: Lookup<SyncSource>
    }

    private struct State {
        var computed: Computed?
        var lookups: Lookups?
        var lookupsStale = true
        var lookupsRefreshing = false
        var events: [TimedEvent] = []
    }

    private let api: any KubeAPI
    private let cache: ClusterCache
    private let feed: ChangeFeed
    private let lookupInterval: Duration
    private let logger: Logger
    private let state = LockedState(State())
    private let reports: SharedComputation<Bool, Computed>

    init(api: any KubeAPI, cache: ClusterCache, feed: ChangeFeed, lookupInterval: Duration = .seconds(60),
         executor: (any TaskExecutor)?, logger: Logger) {
        self.api = api
        self.cache = cache
        self.feed = feed
        self.lookupInterval = lookupInterval
        self.logger = logger
        reports = SharedComputation(executor: executor, capacity: 1)
    }

    /// Reports computed since start (each shared by every page that asked meanwhile).
    var computations: Int { reports.computations }

    /// The sync pair, the instances or the kinds changed: the lookups may name other objects now.
    func lookupsChanged() {
        state.withLock { $0.lookupsStale = true }
        feed.touch()  // wakes `run`, which refreshes them
    }

    /// The current report; computed now when the caches changed since the last one.
    func current() async -> Computed {
        // Stale only after the caches said the sync pair, the instances or the kinds changed: a
        // few GETs then, not per view.
        // One refresh at a time: while the API server is slow or down, other pages do not queue up
        // GETs behind it (they show the last lookups, or the parts as not read yet).
        if state.withLock({ ($0.lookups == nil || $0.lookupsStale) && !$0.lookupsRefreshing }) { await refreshLookups() }
        return await computed()
    }

    /// Recent report events, newest first.
    var events: [TimedEvent] { state.withLock { Array($0.events.reversed()) } }

    /// Keeps the lookups fresh and the events flowing while nobody looks: a report whenever the
    /// caches changed (waiting on the feed), at most every two seconds. Returns when cancelled.
    func run() async {
        var lastLookup = ContinuousClock.now - lookupInterval
        // The sync lookup needs the discovered kinds.
        await cache.waitForSync()
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let stale = state.withLock { $0.lookupsStale }
            if stale || started - lastLookup >= lookupInterval {
                await refreshLookups()
                lastLookup = .now
            }
            // Noted before the report: a change while it is computed ends the wait below.
            let seen = feed.version
            if cache.hasSynced { _ = await computed() }
            await ChangeSignal.waitForAny([(feed.changes, seen)], until: lastLookup + lookupInterval)
            try? await Task.sleep(until: started + .seconds(2), clock: .continuous)
        }
    }

    private func refreshLookups() async {
        let started = state.withLock { state -> Bool in
            guard !state.lookupsRefreshing else { return false }
            state.lookupsRefreshing = true
            state.lookupsStale = false
            return true
        }
        guard started else { return }
        defer { state.withLock { $0.lookupsRefreshing = false } }
        var snapshot = SnapshotReader(api: api, cache: cache).readCaches()
        await SnapshotReader(api: api, cache: cache).readLookups(into: &snapshot)
        let lookups = Lookups(serverVersion: snapshot.serverVersion, entitlement: snapshot.entitlement,
                              syncKustomization: snapshot.syncKustomization, syncSource: snapshot.syncSource)
        state.withLock { $0.lookups = lookups }
        feed.touch()  // a new version: the next page sees the new lookups
    }

    /// The report for the caches' current version: the last one if nothing changed since.
    private func computed() async -> Computed {
        await reports.value(for: true, version: feed.version) { [self] in compute() }
    }

    /// A report from the caches and the last lookups; one at a time (`reports`).
    private func compute() -> Computed {
        let (previous, lookups) = state.withLock { ($0.computed, $0.lookups) }
        var snapshot = SnapshotReader(api: api, cache: cache).readCaches()
        if let lookups {
            snapshot.serverVersion = lookups.serverVersion
            snapshot.entitlement = lookups.entitlement
            snapshot.syncKustomization = lookups.syncKustomization
            snapshot.syncSource = lookups.syncSource
        }
        let now = Int64(Date().timeIntervalSince1970)
        let context = ReportContext(operatorVersion: BuildInfo.version, operatorPlatform: BuildInfo.platform, now: now)
        let result = ReportBuilder.build(snapshot: snapshot, previous: previous?.result.spec,
                                         previousStatus: previous?.result.status, context: context)
        var events = ReportEvents.transitions(
            from: previous.map { ($0.result.spec, $0.result.status) }, to: (result.spec, result.status))
        // The page's first report is no news: only the states it starts in that are bad.
        if previous == nil { events.removeAll { $0.reason == ReportEvents.reportInitialized } }
        let computed = Computed(result: result, computedAt: now, specJSON: result.spec.document.renderJSON())
        state.withLock { state in
            state.computed = computed
            state.events += events.map { TimedEvent(time: now, event: $0) }
            if state.events.count > Self.eventCapacity { state.events.removeFirst(state.events.count - Self.eventCapacity) }
        }
        return computed
    }
}

extension LiveReport.TimedEvent {
    var json: JSONValue {
        ["time": .string(Timestamp.rfc3339(secondsSinceEpoch: time)), "type": .string(event.type.rawValue),
         "reason": .string(event.reason), "message": .string(event.message)]
    }
}
