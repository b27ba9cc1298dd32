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
    /// The per-object series, kept compressed per bucket of objects (shared with the other collectors).
    private let series: ObjectSeriesCache
    /// Injectable so tests control the Deleted series' retention.
    private let now: @Sendable () -> Date

    init(cache: ClusterCache, series: ObjectSeriesCache, objectLabels: ObjectLabelSelection, gotk: Bool,
         deletedRetention: TimeInterval = 600, deletedLimit: Int = 10_000, now: @escaping @Sendable () -> Date = { Date() },
         isLeader: @escaping @Sendable () -> Bool) {
        self.cache = cache
        self.series = series
        self.now = now
        self.selection = objectLabels
        self.gotk = gotk
        self.deletedRetention = deletedRetention
        deleted = LockedState(DeletedObjects(limit: deletedLimit))
        self.isLeader = isLeader
    }

    /// Informer events of every Flux kind: remembers deletions for the `Deleted` series.
    func objectEvents(_ events: [InformerEvent<CachedFluxObject>]) {
        guard gotk else { return }
        let time = now()
        deleted.withLock { deleted in
            for event in events {
                let cached = event.object
                switch event {
                case .deleted:
                    let object = cached.object
                    let key = "\(object.kind)/\(object.namespace)/\(object.name)"
                    deleted.insert(key, DeletedObject(kind: object.kind, name: object.name, namespace: object.namespace, at: time))
                case .added, .updated:
                    // A relist adds every object: no key to build (nor object copied) while nothing was deleted.
                    if deleted.count > 0 { deleted.remove("\(cached.object.kind)/\(cached.object.namespace)/\(cached.object.name)") }
                }
            }
        }
    }

    /// Per family, a header, then per kind one piece per bucket of objects (`ObjectSeriesCache`):
    /// a gzip scrape splices the buckets' cached segments, re-rendering only buckets whose objects
    /// changed. Each kind's objects are snapshotted first — pointers to immutable boxes, taken under
    /// the store's lock for a moment — so rendering holds no lock, and watch events and reports are
    /// never held up by a scrape. The Deleted series depend on time: rendered at each scrape.
    func pieces() -> [MetricsPiece] {
        guard isLeader() else {
            series.clear()
            return []
        }
        let snapshots = series.snapshot(cache.kindInformers)
        let selection = self.selection
        let series = self.series
        var pieces: [MetricsPiece] = []
        for family in FluxMetricFamily.allCases {
            pieces.append(.text { MetricsText.header(family.rawValue, help: family.help, type: "gauge", into: &$0) })
            for snapshot in snapshots where FluxMetricFamily(kind: snapshot.kind) == family {
                pieces += series.pieces(section: .info, snapshot) { cached, buffer, _ in
                    Self.appendInfo(family.rawValue, cached.object, selection, into: &buffer)
                }
            }
        }
        guard gotk else { return pieces }

        pieces.append(.text {
            MetricsText.header("gotk_reconcile_condition", help: "The current condition status of a GitOps Toolkit resource reconciliation.",
                               type: "gauge", into: &$0)
        })
        for snapshot in snapshots {
            pieces += series.pieces(section: .reconcileCondition, snapshot) { cached, buffer, scratch in
                let object = cached.object
                Self.appendCondition(kind: object.kind, name: object.name, namespace: object.namespace,
                                     current: GotkConditionStatus(object.metricReady), into: &buffer, scratch: &scratch)
            }
        }
        pieces.append(.text { [self] buffer in
            let cutoff = now().addingTimeInterval(-deletedRetention)
            let gone = deleted.withLock { deleted -> [DeletedObject] in
                deleted.expire(before: cutoff)
                return deleted.current
            }
            var scratch: [UInt8] = []
            for object in gone {
                Self.appendCondition(kind: object.kind, name: object.name, namespace: object.namespace, current: .deleted,
                                     into: &buffer, scratch: &scratch)
            }
        })
        pieces.append(.text { MetricsText.header("gotk_suspend_status", help: "The current suspend status of a GitOps Toolkit resource.", type: "gauge", into: &$0) })
        for snapshot in snapshots {
            pieces += series.pieces(section: .suspendStatus, snapshot) { cached, buffer, _ in
                Self.appendSuspendStatus(cached.object, into: &buffer)
            }
        }
        return pieces
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
