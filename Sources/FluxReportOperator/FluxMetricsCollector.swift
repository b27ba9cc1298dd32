import ControllerRuntime
import FluxReport
import Foundation
import Synchronization

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
    private let deleted = Mutex<[String: DeletedObject]>([:])
    private let deletedRetention: TimeInterval
    private let deletedLimit: Int

    private struct DeletedObject {
        var kind: String
        var name: String
        var namespace: String
        var at: Date
    }

    init(cache: ClusterCache, objectLabels: [String], gotk: Bool, deletedRetention: TimeInterval = 600,
         deletedLimit: Int = 10_000, isLeader: @escaping @Sendable () -> Bool) {
        self.cache = cache
        self.selection = ObjectLabelSelection(keys: objectLabels)
        self.gotk = gotk
        self.deletedRetention = deletedRetention
        self.deletedLimit = deletedLimit
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
                if deleted.count >= deletedLimit, let oldest = deleted.min(by: { $0.value.at < $1.value.at }) {
                    deleted.removeValue(forKey: oldest.key)
                }
                deleted[key] = DeletedObject(kind: object.kind, name: object.name, namespace: object.namespace, at: Date())
            case .added, .updated:
                deleted.removeValue(forKey: key)
            }
        }
    }

    func collect(into buffer: inout [UInt8]) {
        guard isLeader() else { return }
        let kinds = cache.kinds.compactMap { $0.informer }
        for family in FluxMetricFamily.allCases {
            let members = kinds.filter { FluxMetricFamily(kind: $0.resource.kind) == family }
            MetricsText.header(family.rawValue, help: family.help, type: "gauge", into: &buffer)
            for informer in members {
                informer.store.withItems { items in
                    for object in items.values {
                        MetricsText.sample(family.rawValue, labels: MetricLabels.info(object, objectLabels: selection), value: 1, into: &buffer)
                    }
                }
            }
        }
        guard gotk else { return }

        MetricsText.header("gotk_reconcile_condition", help: "The current condition status of a GitOps Toolkit resource reconciliation.",
                           type: "gauge", into: &buffer)
        for informer in kinds {
            informer.store.withItems { items in
                for object in items.values {
                    for series in ReconcileConditionSeries.series(for: object) {
                        MetricsText.sample("gotk_reconcile_condition", labels: series.labels, value: series.value, into: &buffer)
                    }
                }
            }
        }
        let cutoff = Date().addingTimeInterval(-deletedRetention)
        let gone = deleted.withLock { deleted -> [DeletedObject] in
            deleted = deleted.filter { $0.value.at >= cutoff }
            return Array(deleted.values)
        }
        for object in gone {
            for series in ReconcileConditionSeries.series(kind: object.kind, name: object.name, namespace: object.namespace, current: .deleted) {
                MetricsText.sample("gotk_reconcile_condition", labels: series.labels, value: series.value, into: &buffer)
            }
        }

        MetricsText.header("gotk_suspend_status", help: "The current suspend status of a GitOps Toolkit resource.", type: "gauge", into: &buffer)
        for informer in kinds {
            informer.store.withItems { items in
                for object in items.values {
                    let series = MetricLabels.suspendStatus(object)
                    MetricsText.sample("gotk_suspend_status", labels: series.labels, value: series.value, into: &buffer)
                }
            }
        }
    }
}

/// Gauges about the last report, for alerts on the report itself (the FluxReport's Ready condition,
/// the cluster sync and the controllers): `flux_report_ready`, `flux_report_sync_ready`,
/// `flux_report_component_ready`. Leader only, like the report.
final class ReportMetrics: MetricsCollector, Sendable {
    private let last = Mutex<(namespace: String, result: ReportResult)?>(nil)
    private let isLeader: @Sendable () -> Bool

    init(isLeader: @escaping @Sendable () -> Bool) { self.isLeader = isLeader }

    func update(namespace: String, result: ReportResult) { last.withLock { $0 = (namespace, result) } }

    func collect(into buffer: inout [UInt8]) {
        guard isLeader(), let (namespace, result) = last.withLock({ $0 }) else { return }
        MetricsText.header("flux_report_ready", help: "1 when the FluxReport's Ready condition is True, else 0.", type: "gauge", into: &buffer)
        MetricsText.sample("flux_report_ready", labels: [("namespace", namespace)], value: result.ready?.status == "True" ? 1 : 0, into: &buffer)
        MetricsText.header("flux_report_sync_ready", help: "1 when the cluster sync reported in the FluxReport is ready, else 0.", type: "gauge", into: &buffer)
        if let sync = result.spec.sync {
            MetricsText.sample("flux_report_sync_ready", labels: [("namespace", namespace), ("id", sync.id)], value: sync.ready ? 1 : 0, into: &buffer)
        }
        MetricsText.header("flux_report_component_ready", help: "1 when a Flux controller reported in the FluxReport is ready, else 0.", type: "gauge", into: &buffer)
        for component in result.spec.components {
            MetricsText.sample("flux_report_component_ready", labels: [("namespace", namespace), ("name", component.name)],
                               value: component.ready ? 1 : 0, into: &buffer)
        }
    }
}
