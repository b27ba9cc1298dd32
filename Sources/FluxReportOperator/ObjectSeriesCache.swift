import ControllerRuntime
import FluxReport
import KubeCore

/// Per-object series of the Flux kinds, rendered once per bucket of objects and kept as raw deflate
/// segments, so a gzip scrape splices about a tenth of the text's bytes instead of rendering and
/// compressing every series again.
///
/// An object belongs to slot `hash(namespace, name) mod 1024` of its kind; a kind with B buckets
/// (a power of two, about `objectsPerBucket` objects each) puts slot s in bucket `s mod B`. Every
/// informer event of an object bumps its slot's epoch; a bucket's version is the sum of its slots'
/// epochs (they only grow, so any event changes it). A segment is reused only when rendered at the
/// version read now. Epochs are read before the objects are snapshotted and an event is published
/// after its store changed, so a cached segment is never older than what its version promises.
/// A relist publishes its differences as events, and a removed kind's objects as deletions
/// (`ClusterCache`), so they invalidate like any change.
///
/// A renderer must depend on the object alone (and the collector's fixed settings): series that
/// change with time, history or other objects stay out of it (rendered at each scrape).
final class ObjectSeriesCache: Sendable {
    static let slots = 1024
    static let objectsPerBucket = 128

    private struct Entry {
        var version: UInt64
        var segment: DeflateSegment
    }

    /// With the bucket count: a scrape that began before the kind's count changed must not take a
    /// segment of the new layout whose version happens to be equal.
    private struct SegmentKey: Hashable {
        var section: Int
        var kind: String
        var bucket: Int
        var buckets: Int
    }

    private struct State {
        var epochs: [String: [UInt64]] = [:]
        var buckets: [String: Int] = [:]
        var segments: [SegmentKey: Entry] = [:]
    }

    private let state = LockedState(State())

    /// Subscribes to the cache's object events (for as long as this cache lives).
    init(cache: ClusterCache) {
        cache.objectEvents.addBatchHandler { [weak self] events in self?.objectEvents(events) }
    }

    func objectEvents(_ events: [InformerEvent<CachedFluxObject>]) {
        state.withLock { state in
            // A batch is mostly one kind (a relist's is): its epochs are looked up once per run.
            var index = events.startIndex
            while index < events.endIndex {
                let kind = events[index].object.object.kind
                var epochs = state.epochs.removeValue(forKey: kind) ?? [UInt64](repeating: 0, count: Self.slots)
                repeat {
                    // Fields read through the box: binding its `FluxObject` would copy (retain) every field.
                    let cached = events[index].object
                    epochs[Self.slot(namespace: cached.object.namespace, name: cached.object.name)] &+= 1
                    index += 1
                } while index < events.endIndex && events[index].object.object.kind == kind
                state.epochs[kind] = epochs
            }
        }
    }

    /// FNV-1a over namespace, a 0 byte and name: stable across processes (unlike `Hasher`).
    static func slot(namespace: String, name: String) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in namespace.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0) &* 0x100_0000_01b3
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash % UInt64(slots))
    }

    /// Drops every segment (leadership lost: no series are served, so none are kept).
    func clear() {
        state.withLock { $0.segments.removeAll() }
    }

    /// The kinds' snapshots for one scrape: per kind its bucket count, each bucket's version (read
    /// first), then its objects. Segments of kinds no longer listed are dropped.
    func snapshot(_ informers: [(kind: String, informer: Informer<CachedFluxObject>)]) -> [KindSnapshot] {
        // Segments are keyed by kind; a kind name served by two groups gets a second key (its
        // epochs stay shared: both invalidate on either's events, which is only conservative).
        var seen: [String: Int] = [:]
        let keyed = informers.map { entry -> (key: String, kind: String, informer: Informer<CachedFluxObject>) in
            let index = seen[entry.kind, default: 0]
            seen[entry.kind] = index + 1
            return (index == 0 ? entry.kind : "\(entry.kind)#\(index)", entry.kind, entry.informer)
        }
        let kindsNow = Set(keyed.map(\.key))
        var result: [KindSnapshot] = []
        for (key, kind, informer) in keyed {
            let count = informer.store.count
            let (buckets, versions) = state.withLock { state -> (Int, [UInt64]) in
                var buckets = state.buckets[key] ?? 1
                // Hysteresis: the bucket count changes (and the kind is rendered again) only when the
                // objects per bucket leave [objectsPerBucket / 4, objectsPerBucket × 4].
                if count > buckets * Self.objectsPerBucket * 4 || (buckets > 1 && count < buckets * Self.objectsPerBucket / 4) {
                    var wanted = 1
                    while wanted < Self.slots && wanted * Self.objectsPerBucket < count { wanted *= 2 }
                    buckets = wanted
                }
                if state.buckets[key] != buckets {
                    state.buckets[key] = buckets
                    state.segments = state.segments.filter { $0.key.kind != key }
                }
                let epochs = state.epochs[kind] ?? [UInt64](repeating: 0, count: Self.slots)
                var versions = [UInt64](repeating: 0, count: buckets)
                for slot in 0..<Self.slots { versions[slot & (buckets - 1)] &+= epochs[slot] }
                return (buckets, versions)
            }
            result.append(KindSnapshot(kind: kind, key: key, buckets: buckets, versions: versions, store: informer.store))
        }
        state.withLock { state in
            if state.buckets.keys.contains(where: { !kindsNow.contains($0) }) {
                state.buckets = state.buckets.filter { kindsNow.contains($0.key) }
                state.segments = state.segments.filter { kindsNow.contains($0.key.kind) }
            }
        }
        return result
    }

    /// One piece per bucket of `snapshot` for `section` (a number unique within this cache):
    /// the cached segment when it is current, else the bucket rendered and compressed now (and kept).
    func pieces(section: Int, _ snapshot: KindSnapshot,
                render: @escaping @Sendable (CachedFluxObject, inout [UInt8], inout [UInt8]) -> Void) -> [MetricsPiece] {
        (0..<snapshot.buckets).map { bucket in
            let text: MetricsChunk = { buffer in
                var scratch: [UInt8] = []
                for cached in snapshot.objects(in: bucket) { render(cached, &buffer, &scratch) }
            }
            let key = SegmentKey(section: section, kind: snapshot.key, bucket: bucket, buckets: snapshot.buckets)
            let version = snapshot.versions[bucket]
            return .compressed(segment: { [self] () throws(Gzip.Failure) -> DeflateSegment in
                if let entry = state.withLock({ $0.segments[key] }), entry.version == version { return entry.segment }
                var buffer: [UInt8] = []
                text(&buffer)
                let segment = try DeflateSegment.compress(buffer)
                state.withLock { state in
                    // Only while the kind still has this bucket count (a later scrape may have changed it).
                    if state.buckets[key.kind] == snapshot.buckets { state.segments[key] = Entry(version: version, segment: segment) }
                }
                return segment
            }, text: text)
        }
    }

    /// Bytes held by the segments (for tests and docs).
    var cachedBytes: Int { state.withLock { $0.segments.values.reduce(0) { $0 + $1.segment.bytes.count } } }
}

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
    private let store: Store<CachedFluxObject>
    private let taken = LockedState<(all: [CachedFluxObject]?, grouped: [[CachedFluxObject]]?)>((nil, nil))

    init(kind: String, key: String, buckets: Int, versions: [UInt64], store: Store<CachedFluxObject>) {
        self.kind = kind
        self.key = key
        self.buckets = buckets
        self.versions = versions
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
                    groups[ObjectSeriesCache.slot(namespace: cached.object.namespace, name: cached.object.name) & (buckets - 1)].append(cached)
                }
                for index in groups.indices {
                    groups[index].sort { a, b in
                        if a.object.namespace != b.object.namespace {
                            return a.object.namespace.utf8.lexicographicallyPrecedes(b.object.namespace.utf8)
                        }
                        return a.object.name.utf8.lexicographicallyPrecedes(b.object.name.utf8)
                    }
                }
                taken.grouped = groups
            }
            return taken.grouped?[bucket] ?? []
        }
    }
}
