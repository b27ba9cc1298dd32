import ControllerRuntime
import FluxReport
import Foundation
import KubeCore
import Logging

/// Reconciles `FluxReport/flux`: reads a snapshot from the caches, computes the report (a pure
/// function) and writes it with two server-side applies (spec, then status), then records the
/// events of whatever changed since the last report.
///
/// The last written report is kept in memory: it is both the "last good value" of every part that
/// could not be read this time, and the baseline events are computed against.
final class ReportReconciler: Reconciler, Sendable {
    static let fieldManager = "flux-report-operator"

    let api: any KubeAPI
    let cache: ClusterCache
    let configuration: OperatorConfiguration
    let recorder: EventRecorder?
    let reportMetrics: ReportMetrics
    let logger: Logger
    /// Asked right before each write: `LeaderElector.isLeader` checks the renew deadline when asked.
    let isLeader: @Sendable () -> Bool
    /// Kept in step by each report; the report's trigger and the status page's lookups follow it.
    let syncPair = SyncPair()
    private let requests = RequestObservations()
    private let state = LockedState(State())

    private struct State {
        var last: (spec: FluxReportSpec, status: FluxReportStatus)?
        var loadedPrevious = false
        var consecutiveFailures = 0
    }

    init(api: any KubeAPI, cache: ClusterCache, configuration: OperatorConfiguration, recorder: EventRecorder?,
         reportMetrics: ReportMetrics, logger: Logger, isLeader: @escaping @Sendable () -> Bool = { true }) {
        self.api = api
        self.isLeader = isLeader
        self.cache = cache
        self.configuration = configuration
        self.recorder = recorder
        self.reportMetrics = reportMetrics
        self.logger = logger
        // Every version of the FluxReport, from the first LIST on: when each request was first seen.
        cache.report.addHandler { [requests] event in requests.observe(event.object) }
    }

    /// What triggers this reconciler.
    var triggers: ReportTriggers { ReportTriggers(cache: cache, syncPair: syncPair) }

    var namespace: String { configuration.namespace }

    /// Forgets the last report, so the next term of leadership starts from what the server holds
    /// (another replica may have written reports meanwhile).
    func resetState() { state.withLock { $0 = State() } }

    func reconcile(_ request: String) async throws -> ReconcileResult {
        let started = ContinuousClock.now
        let cached = cache.report.store.get("\(namespace)/\(FluxReportAPI.reportName)")
        let annotations = cached?.annotations ?? [:]
        let interval = DelayFloor.clamped(ReportAnnotations.interval(annotations, default: configuration.reportingInterval),
                                          "reporting interval (\(ReportAnnotations.reconcileEvery) or --reporting-interval)", logger: logger)

        if let cached, cached.beingDeleted {
            logger.debug("FluxReport is being deleted; waiting to recreate it")
            return .requeueAfter(.seconds(1))
        }
        if cached != nil, ReportAnnotations.isReconcileDisabled(annotations) {
            logger.debug("reporting disabled by annotation", metadata: [
                "annotation": "\(ReportAnnotations.reconcile)", "requestedAt": "\(ReportAnnotations.requestedAt(annotations) ?? "")",
            ])
            return .requeueAfter(interval)
        }

        let previous = await previousReport(exists: cached != nil)
        let requested = ReportAnnotations.requestedAt(annotations)
        // A pending request is answered only from caches that have caught up with it; otherwise
        // the report keeps the last good parts, says which caches are behind, and the request
        // stays unhandled until they recover (each recovery triggers a report).
        let pending = ReportAnnotations.hasPendingRequest(annotations, lastHandled: cached?.lastHandledReconcileAt)
            ? requested : nil
        let requirement = requests.requirement(forPendingRequest: pending)
        let behind = await cache.awaitCaches(
            requirement, timeout: pending == nil ? configuration.liveCacheTimeout : configuration.requestCacheTimeout)
        let now = Int64(Date().timeIntervalSince1970)
        let snapshot = await SnapshotReader(api: api, cache: cache, behind: behind, signalsAt: now).read()
        // The controller keeps its own trigger in step: changes to the sync pair call for a report.
        if let sync = ClusterSync.objects(in: snapshot) { syncPair.update(sync) }
        let handled = pending != nil && !behind.isEmpty ? nil : requested
        if let pending, !behind.isEmpty {
            logger.warning("requestedAt not handled yet: caches behind the API server", metadata: [
                "requestedAt": "\(pending)", "behind": "\(behind.keys.map(\.description).sorted().joined(separator: ", "))",
            ])
        }
        let context = ReportContext(
            operatorVersion: BuildInfo.version, operatorPlatform: BuildInfo.platform,
            now: now, elapsed: ContinuousClock.now - started,
            handledRequest: handled, generation: cached?.generation)
        let result = ReportBuilder.build(snapshot: snapshot, previous: previous?.spec, previousStatus: previous?.status, context: context)
        let report = FluxReportObject(namespace: namespace, spec: result.spec, status: result.status)

        // A term whose step-down is running late (a starved machine) must not write: past the renew
        // deadline the lease may already be another replica's, and two writers would flap the report.
        guard isLeader() else {
            // Soon again: the step-down cancels this controller, or a renewal lands and it writes.
            logger.warning("report not written: leadership ended (renew deadline passed)")
            return .requeueAfter(.seconds(1))
        }
        let written = try await write(report)
        let uid = written["metadata"]["uid"].string ?? cached?.uid ?? ""

        // Events: against the last report, or none (→ ReportInitialized) when the object was (re)created.
        let baseline = cached == nil ? nil : previous
        let events = ReportEvents.transitions(from: baseline, to: (result.spec, result.status), failing: result.failingExamples,
                                              syncObject: result.syncObject)
        if let recorder {
            let reference = ObjectReference(apiVersion: FluxReportAPI.apiVersion, kind: FluxReportAPI.kind,
                                            namespace: namespace, name: FluxReportAPI.reportName, uid: uid)
            for event in events {
                // The Event stays on the FluxReport; the Flux object it is about goes to the sink (--events-addr).
                let related = event.subject.map {
                    ObjectReference(apiVersion: $0.apiVersion, kind: $0.kind, namespace: $0.namespace, name: $0.name, uid: $0.uid)
                }
                let annotations = event.subject.flatMap { $0.revision.isEmpty ? nil : ["revision": $0.revision] } ?? [:]
                recorder.record(reference, type: event.type == .warning ? .warning : .normal, reason: event.reason, message: event.message,
                                related: related, annotations: annotations)
            }
        }
        reportMetrics.update(namespace: namespace, result: result)

        let failures = state.withLock { state -> Int in
            state.last = (result.spec, result.status)
            state.consecutiveFailures = result.succeeded ? 0 : state.consecutiveFailures + 1
            return state.consecutiveFailures
        }
        if result.succeeded {
            logger.info("report written", metadata: [
                "elapsed": "\(ReportBuilder.durationText(ContinuousClock.now - started))",
                "requestedAt": "\(handled ?? "")", "events": "\(events.count)", "next": "\(ReportBuilder.durationText(interval))",
            ])
            return .requeueAfter(interval)
        }
        // Partial failure: the last good parts were kept; retry with backoff capped by the interval.
        let backoff = min(Duration.seconds(1) * (1 << min(failures - 1, 10)), interval)
        logger.warning("report written with failed parts", metadata: [
            "failures": "\(result.failures.map(\.description).joined(separator: "; "))", "retryIn": "\(backoff)",
        ])
        return .requeueAfter(backoff)
    }

    /// Server-side apply of spec, then of status; returns the object after the spec apply.
    private func write(_ report: FluxReportObject) async throws -> JSONValue {
        let options = WriteOptions(fieldManager: Self.fieldManager, force: true)
        let object = try await api.patch(FluxReportAPI.gvr, namespace: namespace, name: report.name,
                                         patch: .apply(report.applyBody()), subresource: nil, options: options)
        _ = try await api.patch(FluxReportAPI.gvr, namespace: namespace, name: report.name,
                                patch: .apply(report.statusApplyBody()), subresource: "status", options: options)
        return object
    }

    /// The report written last: from memory, else (first reconcile after start) read from the cluster
    /// so a restart neither blanks good parts nor re-announces old states as events.
    private func previousReport(exists: Bool) async -> (spec: FluxReportSpec, status: FluxReportStatus)? {
        let (last, loaded) = state.withLock { ($0.last, $0.loadedPrevious) }
        if let last { return last }
        if loaded || !exists { return nil }
        do {
            let json = try await api.get(FluxReportAPI.gvr, namespace: namespace, name: FluxReportAPI.reportName)
            let report = try FluxReportObject(json: json)
            state.withLock { $0.loadedPrevious = true }
            return (report.spec, report.status)
        } catch let error as KubeAPIError where error.reason == .notFound {
            state.withLock { $0.loadedPrevious = true }
            return nil
        } catch {
            logger.warning("could not read the previous FluxReport", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
