import ControllerRuntime
import FluxReport
import KubeCore

/// The signal series of each bucket, compressed and kept between scrapes while they hold: no event
/// touched the bucket's objects or their history (the bucket's `ObjectSeriesCache` version, which
/// counts an event once the tracker has it) and the clock is within
/// [computed at, `validUntil`]. A scrape of a fleet where little changes then visits only the
/// changed buckets instead of every object.
final class SignalStateCache: Sendable {
    struct Key: Hashable, Sendable {
        var kind: String
        var bucket: Int
        var buckets: Int
    }

    struct Entry: Sendable {
        var version: UInt64
        var computedAt: Int64
        var signals: BucketSignals
        /// `signals.texts` compressed, one segment per kept family.
        var segments: [DeflateSegment]
    }

    private let entries = LockedState<[Key: Entry]>([:])

    /// The kept entry when it still holds at `now` for this version.
    func entry(_ key: Key, version: UInt64, now: Int64) -> Entry? {
        guard let entry = entries.withLock({ $0[key] }), entry.version == version,
              entry.computedAt <= now, now <= entry.signals.validUntil else { return nil }
        return entry
    }

    /// Keeps exactly the buckets of the latest scrape: those of vanished kinds or of an old bucket
    /// count go with it.
    func replace(with current: [Key: Entry]) {
        entries.withLock { $0 = current }
    }

    func clear() {
        entries.withLock { $0.removeAll() }
    }

    var count: Int { entries.withLock { $0.count } }
}
