import ControllerRuntime
import FluxReport
import KubeCore

/// The signal series of each bucket, compressed and kept between scrapes while they hold: no event
/// touched the bucket's objects or their history (the bucket's `ObjectSeriesCache` version, which
/// counts an event once the tracker has it) and the clock is within
/// [computed at, `validUntil`]. A scrape of a fleet where little changes then visits only the
/// changed buckets instead of every object. Kept in the `ObjectSeriesCache` (section
/// `signalStates`), under its one byte budget and with its layout: the entries of a vanished kind
/// or an old bucket count go with its segments.
final class SignalStateCache: Sendable {
    struct Entry: Sendable {
        var version: UInt64
        var computedAt: Int64
        var signals: BucketSignals
        /// `signals.texts` compressed, one segment per kept family.
        var segments: [DeflateSegment]

        /// Bytes held, estimated: the segments' compressed bytes and array headers, the blocked
        /// objects' references, the drifted counts' dictionary slots (their namespaces are the
        /// objects' strings, shared).
        var bytes: Int {
            var bytes = 64 + 32 * segments.count
            for segment in segments { bytes += segment.bytes.capacity }
            bytes += 32 + 8 * signals.blocked.count
            bytes += 64 + 48 * signals.drifted.count
            return bytes
        }
    }

    private let series: ObjectSeriesCache

    init(series: ObjectSeriesCache) { self.series = series }

    static func key(kind: String, bucket: Int, buckets: Int) -> ObjectSeriesCache.BucketKey {
        ObjectSeriesCache.BucketKey(section: .signalStates, kind: kind, bucket: bucket, buckets: buckets)
    }

    /// The kept entry when it still holds at `now` for this version.
    func entry(_ key: ObjectSeriesCache.BucketKey, _ snapshot: KindSnapshot, version: UInt64, now: Int64) -> Entry? {
        guard case .signals(let entry) = series.kept(key, snapshot), entry.version == version,
              entry.computedAt <= now, now <= entry.signals.validUntil else { return nil }
        return entry
    }

    /// Keeps `entry` for its bucket of `snapshot` (when the budget has room).
    func keep(_ entry: Entry, for key: ObjectSeriesCache.BucketKey, _ snapshot: KindSnapshot) {
        series.keep(.signals(entry), for: key, snapshot)
    }
}
