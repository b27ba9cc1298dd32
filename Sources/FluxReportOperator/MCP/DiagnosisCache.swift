import FluxReport
import Foundation
import KubeCore

/// The last diagnosis of the caches, reused while it is fresh enough: computing it visits every
/// object (seconds at a million objects), and the status page and the MCP tools ask for it at each
/// request.
final class DiagnosisCache: Sendable {
    /// Seconds a diagnosis is reused after its computation ended, while the caches did not change
    /// (its times and staleness move with the clock).
    static let maxAge: Int64 = 5

    private struct Entry {
        var version: UInt64
        /// The clock when the computation started: the diagnosis's `now`.
        var startedAt: Int64
        var finishedAt: Int64
        var diagnosis: Diagnosis
    }

    private let last = LockedState<Entry?>(nil)
    /// Serializes computations: callers arriving meanwhile wait and take the result.
    private let computing = LockedState(())
    let now: @Sendable () -> Int64

    init(now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) { self.now = now }

    /// The last diagnosis when its caches' version is `version` and it ended less than `maxAge`
    /// seconds ago, or, whatever changed since, when it ended less time ago than it took: a fleet
    /// whose diagnosis takes longer than the changes between requests is recomputed at most half
    /// of the time instead of all the time, and its answers are at most twice that duration old.
    /// Else `compute(now)`.
    func current(version: UInt64, _ compute: (Int64) -> Diagnosis) -> Diagnosis {
        computing.withLock { _ in
            let time = now()
            if let entry = last.withLock({ $0 }), time >= entry.finishedAt {
                let age = time - entry.finishedAt
                let took = entry.finishedAt - entry.startedAt
                if (entry.version == version && age < Self.maxAge) || age < took { return entry.diagnosis }
            }
            let diagnosis = compute(time)
            let entry = Entry(version: version, startedAt: time, finishedAt: max(time, now()), diagnosis: diagnosis)
            last.withLock { $0 = entry }
            return diagnosis
        }
    }
}
