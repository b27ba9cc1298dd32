import ControllerRuntime
import KubeCore

/// One kind's objects at a scrape: snapshotted on first use (a scrape whose buckets are all cached
/// never copies the kind's 100,000 pointers), after the versions were read; grouped by bucket at
/// once, in namespace/name byte order within a bucket, so a bucket's text depends only on its
/// objects. The groups are ranges of one array of exactly the kind's size: a scrape holds one
/// pointer per object, not a second copy in an array per bucket.
final class KindSnapshot: Sendable {
    let kind: String
    /// The kind, made unique among the scrape's kinds.
    let key: String
    let buckets: Int
    let versions: [UInt64]
    /// The series cache's count of snapshots when this one was taken (`ByteBudgetLRU`'s epoch).
    let epoch: UInt64
    private let store: Store<CachedFluxObject>
    private let taken = LockedState<Grouped?>(nil)

    /// The objects ordered by bucket, and where each bucket starts (`starts[buckets]` is the count).
    struct Grouped: Sendable {
        var objects: [CachedFluxObject]
        var starts: [Int]
    }

    init(kind: String, key: String, buckets: Int, versions: [UInt64], epoch: UInt64, store: Store<CachedFluxObject>) {
        self.kind = kind
        self.key = key
        self.buckets = buckets
        self.versions = versions
        self.epoch = epoch
        self.store = store
    }

    /// The objects of `bucket` (taken from the store on the scrape's first call).
    func objects(in bucket: Int) -> ArraySlice<CachedFluxObject> {
        taken.withLock { taken in
            let grouped = taken ?? Self.group(store.list(), buckets: buckets)
            taken = grouped
            guard bucket >= 0, bucket < buckets else { return [] }
            return grouped.objects[grouped.starts[bucket]..<grouped.starts[bucket + 1]]
        }
    }

    /// `all` ordered by bucket (a counting sort: each object's slot hashed once), then by namespace
    /// and name within a bucket. `buckets` is a power of two.
    static func group(_ all: [CachedFluxObject], buckets: Int) -> Grouped {
        var starts = [Int](repeating: 0, count: buckets + 1)
        // Buckets are fewer than `ObjectSeriesCache.slots` (1,024): two bytes each.
        var bucketOf = [UInt16](repeating: 0, count: all.count)
        for (index, cached) in all.enumerated() {
            let bucket = ObjectSeriesCache.slot(cached.object) & (buckets - 1)
            bucketOf[index] = UInt16(truncatingIfNeeded: bucket)
            starts[bucket + 1] += 1
        }
        for bucket in 0..<buckets { starts[bucket + 1] += starts[bucket] }
        var next = starts
        var ordered = all
        for (index, cached) in all.enumerated() {
            let bucket = Int(truncatingIfNeeded: bucketOf[index])  // widening: every UInt16 fits
            ordered[next[bucket]] = cached
            next[bucket] += 1
        }
        for bucket in 0..<buckets {
            // Fields read through the box: a copy of the projection would retain its every string.
            ordered[starts[bucket]..<starts[bucket + 1]].sort { a, b in
                if a.object.sharedNamespace != b.object.sharedNamespace {  // one interned copy: compared by reference first
                    return a.object.namespace.utf8.lexicographicallyPrecedes(b.object.namespace.utf8)
                }
                return a.object.withNameUTF8 { left in b.object.withNameUTF8 { left.lexicographicallyPrecedes($0) } }
            }
        }
        return Grouped(objects: ordered, starts: starts)
    }
}
