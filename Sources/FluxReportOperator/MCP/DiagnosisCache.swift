import FluxReport
import Foundation
import KubeCore

/// The last diagnosis of the caches, reused while it is fresh enough: computing it visits every
/// object (seconds at a million objects), and the status page and the MCP tools ask for it at each
/// request.
final class DiagnosisCache: Sendable {
    /// How long a diagnosis is reused after its computation ended, while the caches did not change
    /// (its times and staleness move with the clock).
    static let maxAge: Duration = .seconds(5)
    /// The same in the diagnosis clock's seconds (the status page's answers are keyed by its steps).
    static let maxAgeSeconds: Int64 = maxAge.components.seconds

    private struct Entry {
        var version: UInt64
        /// The monotonic clock when the computation started and when it ended.
        var started: Duration
        var finished: Duration
        var diagnosis: Diagnosis
    }

    private let last = LockedState<Entry?>(nil)
    /// Serializes computations: callers arriving meanwhile wait and take the result.
    private let computing = LockedState(())
    /// Seconds since the Unix epoch: the diagnosis's `now`.
    let now: @Sendable () -> Int64
    /// A monotonic clock (time since any fixed origin): the ages and durations above.
    let monotonic: @Sendable () -> Duration

    init(now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) },
         monotonic: @escaping @Sendable () -> Duration = DiagnosisCache.continuousClock) {
        self.now = now
        self.monotonic = monotonic
    }

    private static let origin = ContinuousClock.now
    static let continuousClock: @Sendable () -> Duration = { ContinuousClock.now - origin }

    /// The last diagnosis when its caches' version is `version` and it ended less than `maxAge`
    /// ago, or, whatever changed since, when it ended less time ago than it took: a fleet whose
    /// diagnosis takes longer than the changes between requests is recomputed at most half of the
    /// time instead of all the time, and its answers are at most about twice that duration old.
    /// Else `compute(now)`.
    func current(version: UInt64, _ compute: (Int64) -> Diagnosis) -> Diagnosis {
        computing.withLock { _ in
            let started = monotonic()
            if let entry = last.withLock({ $0 }) {
                let age = started - entry.finished
                if (entry.version == version && age < Self.maxAge) || age < entry.finished - entry.started { return entry.diagnosis }
            }
            let diagnosis = compute(now())
            let entry = Entry(version: version, started: started, finished: max(started, monotonic()), diagnosis: diagnosis)
            last.withLock { $0 = entry }
            return diagnosis
        }
    }
}
