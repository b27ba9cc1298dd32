import KubeCore
import ControllerRuntime
import FluxReport

/// Gauges about the last report, for alerts on the report itself (the FluxReport's Ready condition,
/// the cluster sync and the controllers): `flux_report_ready`, `flux_report_sync_ready`,
/// `flux_report_component_ready`. Leader only, like the report.
final class ReportMetrics: MetricsCollector, Sendable {
    private let last = LockedState<(namespace: String, result: ReportResult)?>(nil)
    private let isLeader: @Sendable () -> Bool

    init(isLeader: @escaping @Sendable () -> Bool) { self.isLeader = isLeader }

    func update(namespace: String, result: ReportResult) { last.withLock { $0 = (namespace, result) } }

    func pieces() -> [MetricsPiece] { [.text { self.render(into: &$0) }] }

    private func render(into buffer: inout [UInt8]) {
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
