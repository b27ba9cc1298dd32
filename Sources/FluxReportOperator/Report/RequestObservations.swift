import ControllerRuntime
import FluxReport
import KubeCore

/// When each pending `requestedAt` value was first seen, with the report's resourceVersion then:
/// what "the state as of the request" means for `CacheRequirement.asOf`. Fed by a handler on the
/// report informer, which sees every version of the FluxReport.
final class RequestObservations: Sendable {
    private let latest = LockedState<(value: String, instant: ContinuousClock.Instant, resourceVersion: String?)?>(nil)

    func observe(_ report: CachedReport) {
        guard ReportAnnotations.hasPendingRequest(report.annotations, lastHandled: report.lastHandledReconcileAt),
              let value = ReportAnnotations.requestedAt(report.annotations) else { return }
        latest.withLock { latest in
            if latest?.value != value { latest = (value, .now, report.resourceVersion) }
        }
    }

    /// What a report must wait for: the state as of the pending `requestedAt` when there is one
    /// (so the report that marks it handled reflects every change made before it), else live caches.
    func requirement(forPendingRequest value: String?) -> CacheRequirement {
        guard let value else { return .live }
        // The handler notes a request right after the store takes it, so a reader racing it finds
        // none: `.now` is a stricter stand-in then.
        let seen = observation(of: value)
        return .asOf(seen?.instant ?? .now, resourceVersion: seen?.resourceVersion)
    }

    func observation(of value: String) -> (instant: ContinuousClock.Instant, resourceVersion: String?)? {
        latest.withLock { latest in latest.flatMap { $0.value == value ? ($0.instant, $0.resourceVersion) : nil } }
    }
}
