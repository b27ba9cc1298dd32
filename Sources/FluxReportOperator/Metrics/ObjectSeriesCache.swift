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
/// One instance serves every collector of per-object series (`FluxObjectMetrics`): the epochs and
/// the bucket layout are the same for all of them, the segments are kept per `Section`.
/// A renderer must depend on the object alone (and the collector's fixed settings): series that
/// change with time, history or other objects stay out of it (rendered at each scrape).
///
/// What is kept (the sections' segments and `SignalStateCache`'s entries) is bounded by one byte
/// budget (`--metrics-series-cache-size`): over it, the least recently used buckets are dropped
/// and rendered again when a scrape next needs them, but a bucket never makes room by dropping one
/// the same scrape used (`ByteBudgetLRU`, whose epoch is the count of snapshots): a budget short of
/// the whole keeps a fixed part of the buckets and reuses it. The budget bounds what is kept between
/// scrapes: a scrape makes each bucket's piece when it reaches it, and a segment it could not keep
/// lives until it is sent.
final class ObjectSeriesCache: Sendable {
    static let slots = 1024
    static let objectsPerBucket = 128

    /// The per-object families kept as segments, one section each.
    enum Section: Int, Sendable {
        /// `flux_resource_info` and the other `*_info` families (one per kind).
        case info
        case reconcileCondition
        case suspendStatus
        case gotkResourceInfo
        case lastReconcile
        /// The signal state families and counts (`SignalStateCache`).
        case signalStates
    }

    /// One section of one bucket. With the bucket count: a scrape that began before the kind's
    /// count changed must not take a segment of the new layout whose version happens to be equal.
    struct BucketKey: Hashable, Sendable {
        var section: Section
        /// `KindSnapshot.key`.
        var kind: String
        var bucket: Int
        var buckets: Int
    }

    /// What a bucket keeps for a section.
    enum Kept: Sendable {
        case segment(version: UInt64, DeflateSegment)
        case signals(SignalStateCache.Entry)

        /// What it is charged against the budget: its compressed bytes, the rest estimated.
        var bytes: Int {
            switch self {
            case .segment(_, let segment): return ObjectSeriesCache.bucketOverhead + segment.bytes.capacity
            case .signals(let entry): return ObjectSeriesCache.bucketOverhead + entry.bytes
            }
        }
    }

    /// Charged per kept bucket besides its data: its key, value and links in the LRU, its slot in
    /// the LRU's index and the segment's array header, rounded up for malloc.
    static let bucketOverhead = 256

    private struct State {
        var epochs: [String: [UInt64]] = [:]
        var buckets: [String: Int] = [:]
        var kept: ByteBudgetLRU<BucketKey, Kept>
        /// Snapshots taken: the epoch of what a scrape touches.
        var snapshots: UInt64 = 0
    }

    private let state: LockedState<State>

    /// `budget`: bytes of kept buckets at most (0 keeps none: every scrape renders every bucket).
    init(budget: Int = OperatorConfiguration.defaultSeriesCacheSize) {
        state = LockedState(State(kept: ByteBudgetLRU(budget: budget)))
    }

    /// The bytes charged for what is kept now, and the buckets dropped over the budget so far.
    var usage: (bytes: Int, evictions: UInt64) {
        state.withLock { ($0.kept.bytes, $0.kept.evictions) }
    }

    var budget: Int { state.withLock { $0.kept.budget } }

    /// What `key`'s bucket keeps, now its most recently used, by the scrape of `snapshot`.
    func kept(_ key: BucketKey, _ snapshot: KindSnapshot) -> Kept? {
        state.withLock { $0.kept.value(for: key, epoch: snapshot.epoch) }
    }

    /// Keeps `value` for `key`'s bucket, rendered by the scrape of `snapshot`, while the kind still
    /// has that bucket count (a later scrape may have changed it) and the budget has room for it.
    func keep(_ value: Kept, for key: BucketKey, _ snapshot: KindSnapshot) {
        state.withLock { state in
            if state.buckets[key.kind] == key.buckets { state.kept.insert(value, for: key, bytes: value.bytes, epoch: snapshot.epoch) }
        }
    }

    /// Informer events of every Flux kind. Called after every other reader of the events whose
    /// state a renderer may read (the signal tracker's history): a bucket's version then counts an
    /// event only once everything rendered under that version has it.
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
                    epochs[Self.slot(cached.object)] &+= 1
                    index += 1
                } while index < events.endIndex && events[index].object.object.kind == kind
                state.epochs[kind] = epochs
            }
        }
    }

    /// FNV-1a over namespace, a 0 byte and name: stable across processes (unlike `Hasher`). The
    /// name is read in place: every event and every scrape's grouping of a kind hash each object,
    /// and no `String` is made for them.
    static func slot(_ object: FluxObject) -> Int {
        object.withNameUTF8 { slot(namespace: object.namespace, nameUTF8: $0) }
    }

    private static func slot(namespace: String, nameUTF8: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in namespace.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        hash = (hash ^ 0) &* 0x100_0000_01b3
        for byte in nameUTF8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash % UInt64(slots))
    }

    /// Drops everything kept (leadership lost: no series are served, so none are kept).
    func clear() {
        state.withLock { $0.kept.removeAll() }
    }

    /// The kinds' snapshots for one scrape: per kind its bucket count, each bucket's version (read
    /// first), then its objects. `informers` are every kind of the cache (`ClusterCache.kindInformers`):
    /// segments of kinds not listed are dropped.
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
        let epoch = state.withLock { state in
            state.snapshots &+= 1
            return state.snapshots
        }
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
                    state.kept.removeAll { $0.kind == key }
                }
                let epochs = state.epochs[kind] ?? [UInt64](repeating: 0, count: Self.slots)
                var versions = [UInt64](repeating: 0, count: buckets)
                for slot in 0..<Self.slots { versions[slot & (buckets - 1)] &+= epochs[slot] }
                return (buckets, versions)
            }
            result.append(KindSnapshot(kind: kind, key: key, buckets: buckets, versions: versions, epoch: epoch, store: informer.store))
        }
        state.withLock { state in
            if state.buckets.keys.contains(where: { !kindsNow.contains($0) }) {
                state.buckets = state.buckets.filter { kindsNow.contains($0.key) }
                state.kept.removeAll { !kindsNow.contains($0.kind) }
            }
        }
        return result
    }

    /// One piece per bucket of `snapshot` for `section`, made when the scrape reaches it: the cached
    /// segment when it is current, else the bucket rendered and compressed now (and kept).
    func pieces(section: Section, _ snapshot: KindSnapshot,
                render: @escaping @Sendable (CachedFluxObject, inout [UInt8], inout [UInt8]) -> Void) -> [MetricsPiece] {
        [.each(count: snapshot.buckets) { [self] bucket in
            let text: MetricsChunk = { buffer in
                var scratch: [UInt8] = []
                for cached in snapshot.objects(in: bucket) { render(cached, &buffer, &scratch) }
            }
            let key = BucketKey(section: section, kind: snapshot.key, bucket: bucket, buckets: snapshot.buckets)
            let version = snapshot.versions[bucket]
            return .compressed(segment: { [self] () throws(Gzip.Failure) -> DeflateSegment in
                if case .segment(version, let segment) = kept(key, snapshot) { return segment }
                var buffer: [UInt8] = []
                text(&buffer)
                let segment = try DeflateSegment.compress(buffer)
                keep(.segment(version: version, segment), for: key, snapshot)
                return segment
            }, text: text)
        }]
    }
}
