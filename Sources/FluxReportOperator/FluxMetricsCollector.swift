import KubeCore
import ControllerRuntime
import FluxReport
import Foundation

/// Renders the Flux object metrics at scrape time, straight from the informer caches.
///
/// The caches are fed by watch events, so the series are live (the reference refreshes them only at
/// the report interval), a deleted object's series disappears with it, and no per-series object is
/// kept in memory. Only the leader exports them, like the reference.
final class FluxMetricsCollector: MetricsCollector, Sendable {
    private let cache: ClusterCache
    private let selection: ObjectLabelSelection
    private let gotk: Bool
    private let isLeader: @Sendable () -> Bool
    /// Deleted objects keep `gotk_reconcile_condition{status="Deleted"} 1` for a while, as Flux did.
    private let deleted: LockedState<DeletedObjects>
    private let deletedRetention: TimeInterval

    init(cache: ClusterCache, objectLabels: ObjectLabelSelection, gotk: Bool, deletedRetention: TimeInterval = 600,
         deletedLimit: Int = 10_000, isLeader: @escaping @Sendable () -> Bool) {
        self.cache = cache
        self.selection = objectLabels
        self.gotk = gotk
        self.deletedRetention = deletedRetention
        deleted = LockedState(DeletedObjects(limit: deletedLimit))
        self.isLeader = isLeader
    }

    /// Informer events of every Flux kind: remembers deletions for the `Deleted` series.
    func objectEvent(_ event: InformerEvent<FluxObject>) {
        guard gotk else { return }
        let object = event.object
        let key = "\(object.kind)/\(object.namespace)/\(object.name)"
        deleted.withLock { deleted in
            switch event {
            case .deleted:
                deleted.insert(key, DeletedObject(kind: object.kind, name: object.name, namespace: object.namespace, at: Date()))
            case .added, .updated:
                deleted.remove(key)
            }
        }
    }

    func collect(into buffer: inout [UInt8]) {
        for chunk in chunks() { chunk(&buffer) }
    }

    /// Objects per chunk: bounds the memory of a scrape in flight (a chunk is rendered, then sent).
    static let objectsPerChunk = 1000

    /// Chunks of at most `objectsPerChunk` objects. Each kind's objects are snapshotted first — an
    /// array of pointers to immutable boxes, taken under the store's lock for a moment — so rendering
    /// holds no lock at all, and watch events and reports are never held up by a scrape.
    func chunks() -> [MetricsChunk] {
        guard isLeader() else { return [] }
        let snapshots: [(kind: String, objects: [CachedFluxObject])] = cache.kinds.compactMap { entry in
            guard let informer = entry.informer else { return nil }
            return (informer.resource.kind, informer.store.withItems { Array($0.values) })
        }
        let selection = self.selection
        var chunks: [MetricsChunk] = []
        /// `render` gets the object, the output and a scratch buffer reused across the chunk (for
        /// a label prefix written several times), so rendering allocates nothing per object.
        func sliced(_ objects: [CachedFluxObject], _ render: @escaping @Sendable (CachedFluxObject, inout [UInt8], inout [UInt8]) -> Void) {
            var start = 0
            while start < objects.count {
                let slice = objects[start..<min(start + Self.objectsPerChunk, objects.count)]
                chunks.append { buffer in
                    var scratch: [UInt8] = []
                    scratch.reserveCapacity(512)
                    for cached in slice { render(cached, &buffer, &scratch) }
                }
                start += Self.objectsPerChunk
            }
        }
        for family in FluxMetricFamily.allCases {
            chunks.append { MetricsText.header(family.rawValue, help: family.help, type: "gauge", into: &$0) }
            for snapshot in snapshots where FluxMetricFamily(kind: snapshot.kind) == family {
                sliced(snapshot.objects) { cached, buffer, _ in Self.appendInfo(family.rawValue, cached.object, selection, into: &buffer) }
            }
        }
        guard gotk else { return chunks }

        chunks.append {
            MetricsText.header("gotk_reconcile_condition", help: "The current condition status of a GitOps Toolkit resource reconciliation.",
                               type: "gauge", into: &$0)
        }
        for snapshot in snapshots {
            sliced(snapshot.objects) { cached, buffer, scratch in
                let object = cached.object
                Self.appendCondition(kind: object.kind, name: object.name, namespace: object.namespace,
                                     current: GotkConditionStatus(object.metricReady), into: &buffer, scratch: &scratch)
            }
        }
        chunks.append { [self] buffer in
            let cutoff = Date().addingTimeInterval(-deletedRetention)
            let gone = deleted.withLock { deleted -> [DeletedObject] in
                deleted.expire(before: cutoff)
                return deleted.current
            }
            var scratch: [UInt8] = []
            for object in gone {
                Self.appendCondition(kind: object.kind, name: object.name, namespace: object.namespace, current: .deleted,
                                     into: &buffer, scratch: &scratch)
            }
        }
        chunks.append { MetricsText.header("gotk_suspend_status", help: "The current suspend status of a GitOps Toolkit resource.", type: "gauge", into: &$0) }
        for snapshot in snapshots {
            sliced(snapshot.objects) { cached, buffer, _ in Self.appendSuspendStatus(cached.object, into: &buffer) }
        }
        return chunks
    }

    /// `<family>{uid="…",kind="…",…} 1`, written straight into the buffer.
    static func appendInfo(_ family: String, _ object: FluxObject, _ selection: ObjectLabelSelection, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: family.utf8)
        var separator = UInt8(ascii: "{")
        MetricLabels.forEachInfoLabel(object, objectLabels: selection) { name, value in
            buffer.append(separator)
            separator = UInt8(ascii: ",")
            buffer.append(contentsOf: name.utf8)
            buffer.append(UInt8(ascii: "="))
            buffer.append(UInt8(ascii: "\""))
            MetricsText.appendEscapedLabel(value, into: &buffer)
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(contentsOf: "} 1\n".utf8)
    }

    /// The four `gotk_reconcile_condition` series of an object, sharing one prefix rendered into
    /// `scratch` (appending a slice of `buffer` to itself would copy it whole); labels in
    /// `ReconcileConditionSeries.labelNames` order.
    static func appendCondition(kind: String, name: String, namespace: String, current: GotkConditionStatus,
                                into buffer: inout [UInt8], scratch prefix: inout [UInt8]) {
        prefix.removeAll(keepingCapacity: true)
        prefix.append(contentsOf: "gotk_reconcile_condition{kind=\"".utf8)
        MetricsText.appendEscapedLabel(kind, into: &prefix)
        prefix.append(contentsOf: "\",name=\"".utf8)
        MetricsText.appendEscapedLabel(name, into: &prefix)
        prefix.append(contentsOf: "\",namespace=\"".utf8)
        MetricsText.appendEscapedLabel(namespace, into: &prefix)
        prefix.append(contentsOf: "\",type=\"Ready\",status=\"".utf8)
        for status in GotkConditionStatus.allCases {
            buffer.append(contentsOf: prefix)
            buffer.append(contentsOf: status.rawValue.utf8)
            buffer.append(contentsOf: (status == current ? "\"} 1\n" : "\"} 0\n").utf8)
        }
    }

    /// `gotk_suspend_status{kind="…",name="…",namespace="…"} 0|1`, the labels of
    /// `MetricLabels.suspendStatus` written straight into the buffer.
    static func appendSuspendStatus(_ object: FluxObject, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: "gotk_suspend_status{kind=\"".utf8)
        MetricsText.appendEscapedLabel(object.kind, into: &buffer)
        buffer.append(contentsOf: "\",name=\"".utf8)
        MetricsText.appendEscapedLabel(object.name, into: &buffer)
        buffer.append(contentsOf: "\",namespace=\"".utf8)
        MetricsText.appendEscapedLabel(object.namespace, into: &buffer)
        buffer.append(contentsOf: (object.suspended ? "\"} 1\n" : "\"} 0\n").utf8)
    }
}

struct DeletedObject: Sendable {
    var kind: String
    var name: String
    var namespace: String
    var at: Date
}

/// Recently deleted objects, at most `limit`, oldest evicted first — in O(1) amortized per event:
/// a mass deletion (a CRD removed, a namespace emptied) runs under the informer's lock, so a scan
/// of every remembered object per deletion would stall the informer quadratically.
///
/// `order` is insertion order with a sequence number per insertion; an entry whose key was removed
/// or deleted again since is stale and skipped. Deletion times come from `Date()` in event order,
/// so insertion order is age order.
struct DeletedObjects: Sendable {
    private var byKey: [String: (object: DeletedObject, seq: UInt64)] = [:]
    private var order: [(key: String, seq: UInt64)] = []
    private var head = 0
    private var nextSeq: UInt64 = 0
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    var count: Int { byKey.count }
    var current: [DeletedObject] { byKey.values.map { $0.object } }

    mutating func insert(_ key: String, _ object: DeletedObject) {
        nextSeq &+= 1
        byKey[key] = (object, nextSeq)
        order.append((key, nextSeq))
        while byKey.count > limit, let oldest = popOldest() { byKey.removeValue(forKey: oldest) }
        compactIfSparse()
    }

    mutating func remove(_ key: String) {
        byKey.removeValue(forKey: key)
        compactIfSparse()
    }

    /// Drops the objects deleted before `cutoff`.
    mutating func expire(before cutoff: Date) {
        while head < order.count {
            let entry = order[head]
            if let live = byKey[entry.key], live.seq == entry.seq {
                guard live.object.at < cutoff else { break }
                byKey.removeValue(forKey: entry.key)
            }
            head += 1
        }
        compactIfSparse()
    }

    /// The key of the oldest live entry, removed from `order`.
    private mutating func popOldest() -> String? {
        while head < order.count {
            let entry = order[head]
            head += 1
            if byKey[entry.key]?.seq == entry.seq { return entry.key }
        }
        return nil
    }

    /// Keeps `order` within twice the live entries (plus slack): stale entries are dropped in one
    /// pass whose cost the insertions since the last pass paid for.
    private mutating func compactIfSparse() {
        guard order.count - head > 2 * byKey.count + 64 || head > order.count / 2 + 64 else { return }
        order = order[head...].filter { byKey[$0.key]?.seq == $0.seq }
        head = 0
    }
}
