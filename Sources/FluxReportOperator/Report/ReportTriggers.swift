import ControllerRuntime
import FluxReport
import KubeCore

/// What makes the one FluxReport due, declared as the report controller's watches (as
/// controller-runtime's `Watches(source, handler, predicates)` and kube-rs's `.watches(..)`):
/// the FluxReport's own changes that ask for a report, any change to the sync pair's objects, and
/// the cache-wide changes (kinds, controller Deployments, FluxInstances, cache health).
struct ReportTriggers: Sendable {
    let cache: ClusterCache
    let syncPair: SyncPair

    /// Subscribes to every source now (nothing published after this call is missed) and returns
    /// the tasks feeding `controller`; cancel them when its term ends.
    func watch(into controller: Controller<String>) -> [Task<Void, Never>] {
        let key = FluxReportAPI.reportName
        let report = cache.report.events(replay: false)
        // In batches: a relist's million events cross the stream a thousand times.
        let objects = cache.objectEvents.batches()
        let caches = cache.changes.stream()
        let syncPair = self.syncPair
        return [
            Task { await controller.watch(report, predicates: [Self.reportNeedsReconcile]) { _ in [key] } },
            Task { await controller.watch(batches: objects, predicates: [syncPair.predicate]) { _ in [key] } },
            Task { await controller.watch(caches) { _ in [key] } },
        ]
    }

    /// The operator's own writes change the FluxReport too: only a deletion (to recreate it), a new
    /// `requestedAt`, or a change of the interval / pause annotations calls for a report (a
    /// runtime `Predicate`, as controller-runtime's `predicate.Funcs`).
    static let reportNeedsReconcile = Predicate<CachedReport>(
        create: { report in ReportAnnotations.hasPendingRequest(report.annotations, lastHandled: report.lastHandledReconcileAt) },
        update: { old, new in
            // A request still pending with the same value (the operator's own spec write lands
            // before the status write that marks it handled) was asked for by the event that
            // brought it: a second report would answer it twice.
            if ReportAnnotations.hasPendingRequest(new.annotations, lastHandled: new.lastHandledReconcileAt),
               !ReportAnnotations.hasPendingRequest(old.annotations, lastHandled: old.lastHandledReconcileAt)
                || ReportAnnotations.requestedAt(old.annotations) != ReportAnnotations.requestedAt(new.annotations) {
                return true
            }
            let keys = [ReportAnnotations.reconcileEvery, ReportAnnotations.reconcile]
            return keys.contains { old.annotations[$0] != new.annotations[$0] } || (!old.beingDeleted && new.beingDeleted)
        },
        delete: { _ in true })
}
