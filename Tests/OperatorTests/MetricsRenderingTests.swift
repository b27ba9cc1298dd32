import ControllerRuntime
import FluxReport
import KubeCore
import Testing
@testable import FluxReportOperator

/// The scrape renders the `gotk_*` series by hand, without per-object allocations; they must equal
/// the reference label sets of `ReconcileConditionSeries` and `MetricLabels` rendered generically.
@Suite struct MetricsRenderingTests {
    static func object(_ name: String, namespace: String, ready: String, suspend: Bool) -> FluxObject {
        let json: JSONValue = [
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": "u-1"],
            "spec": ["suspend": .bool(suspend)],
            "status": ["conditions": [["type": "Ready", "status": .string(ready), "reason": "Whatever"]]],
        ]
        return FluxObject(json: json, kind: "Kustomization")
    }

    static let objects = [
        object("apps", namespace: "flux-system", ready: "True", suspend: false),
        object("needs \"escaping\" \\ here", namespace: "tenant-1", ready: "False", suspend: true),
        object("a-much-longer-name-than-the-others-so-the-scratch-buffer-grows", namespace: "t", ready: "Unknown", suspend: false),
    ]

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func reconcileConditionMatchesTheReferenceSeries() {
        var fast: [UInt8] = []
        var scratch: [UInt8] = []
        var reference: [UInt8] = []
        for object in Self.objects {
            FluxMetricsCollector.appendCondition(kind: object.kind, name: object.name, namespace: object.namespace,
                                                 current: GotkConditionStatus(object.metricReady), into: &fast, scratch: &scratch)
            for series in ReconcileConditionSeries.series(for: object) {
                MetricsText.sample("gotk_reconcile_condition", labels: series.labels, value: series.value, into: &reference)
            }
        }
        #expect(Self.text(fast) == Self.text(reference))
        #expect(Self.text(fast).contains(#"name="needs \"escaping\" \\ here""#))
    }

    @Test func suspendStatusMatchesTheReferenceSeries() {
        var fast: [UInt8] = []
        var reference: [UInt8] = []
        for object in Self.objects {
            FluxMetricsCollector.appendSuspendStatus(object, into: &fast)
            let series = MetricLabels.suspendStatus(object)
            MetricsText.sample("gotk_suspend_status", labels: series.labels, value: series.value, into: &reference)
        }
        #expect(Self.text(fast) == Self.text(reference))
        #expect(Self.text(fast).split(separator: "\n").map { $0.hasSuffix(" 1") } == [false, true, false])
    }
}
