import ControllerRuntime
import KubeCore

/// One kind's objects at a scrape: snapshotted on first use (a scrape whose buckets are all cached
/// never copies the kind's 100,000 pointers), after the versions were read; grouped by bucket on
/// first use, in namespace/name byte order within a bucket, so a bucket's text depends only on its
/// objects.
final class KindSnapshot: Sendable {
    let kind: String
    /// The kind, made unique among the scrape's kinds.
    let key: String
    let buckets: Int
    let versions: [UInt64]
    /// The series cache's count of snapshots when this one was taken (`ByteBudgetLRU`'s epoch).
    let epoch: UInt64
    private let store: Store<CachedFluxObject>
    private let taken = LockedState<(all: [CachedFluxObject]?, grouped: [[CachedFluxObject]]?)>((nil, nil))

    init(kind: String, key: String, buckets: Int, versions: [UInt64], epoch: UInt64, store: Store<CachedFluxObject>) {
        self.kind = kind
        self.key = key
        self.buckets = buckets
        self.versions = versions
        self.epoch = epoch
        self.store = store
    }

    /// Every object, in the store's order (taken once per scrape).
    var objects: [CachedFluxObject] {
        taken.withLock { taken in
            if let all = taken.all { return all }
            let all = store.list()
            taken.all = all
            return all
        }
    }

    func objects(in bucket: Int) -> [CachedFluxObject] {
        let all = objects
        return taken.withLock { taken in
            if taken.grouped == nil {
                var groups = [[CachedFluxObject]](repeating: [], count: buckets)
                // Fields read through the box: a copy of the projection would retain its every string.
                for cached in all {
                    groups[ObjectSeriesCache.slot(cached.object) & (buckets - 1)].append(cached)
                }
                for index in groups.indices {
                    groups[index].sort { a, b in
                        if a.object.sharedNamespace != b.object.sharedNamespace {  // one interned copy: compared by reference first
                            return a.object.namespace.utf8.lexicographicallyPrecedes(b.object.namespace.utf8)
                        }
                        return a.object.withNameUTF8 { left in b.object.withNameUTF8 { left.lexicographicallyPrecedes($0) } }
                    }
                }
                taken.grouped = groups
            }
            return taken.grouped?[bucket] ?? []
        }
    }
}
