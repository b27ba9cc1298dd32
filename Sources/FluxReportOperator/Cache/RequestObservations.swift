import ControllerRuntime
import FluxReport
import KubeCore

/// When each pending `requestedAt` value was first seen, with the report's resourceVersion then:
/// what "the state as of the request" means for `CacheRequirement.asOf`.
final class RequestObservations: Sendable {
    private let latest = LockedState<(value: String, instant: ContinuousClock.Instant, resourceVersion: String?)?>(nil)

    func observe(_ report: CachedReport) {
        guard ReportAnnotations.hasPendingRequest(report.annotations, lastHandled: report.lastHandledReconcileAt),
              let value = ReportAnnotations.requestedAt(report.annotations) else { return }
        latest.withLock { latest in
            if latest?.value != value { latest = (value, .now, report.resourceVersion) }
        }
    }

    func observation(of value: String) -> (instant: ContinuousClock.Instant, resourceVersion: String?)? {
        latest.withLock { latest in latest.flatMap { $0.value == value ? ($0.instant, $0.resourceVersion) : nil } }
    }
}
