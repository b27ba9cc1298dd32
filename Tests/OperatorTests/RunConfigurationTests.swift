import ArgumentParser
import ControllerRuntime
import FluxReport
import Foundation
import KubeCore
import TestSupport
import Testing
@testable import FluxReportOperator

/// Flags and environment → `OperatorConfiguration` (no process spawned).
@Suite struct RunConfigurationTests {
    func resolve(_ arguments: [String], environment: [String: String] = [:], namespaceFile: String = "/nonexistent") throws -> OperatorConfiguration {
        let command = try RunCommand.parse(arguments)
        return try command.resolve(environment: environment, serviceAccountNamespaceFile: namespaceFile)
    }

    @Test func defaults() throws {
        let config = try resolve([])
        #expect(config.namespace == "flux-system")
        #expect(config.reportingInterval == .seconds(300))
        #expect(config.metricsAddress == ListenAddress.anyInterface(port: 8080))
        #expect(config.healthAddress == ListenAddress.anyInterface(port: 8081))
        #expect(config.leaderElection == false)
        #expect(config.logLevel == .info)
        #expect(config.logEncoding == .json)
        #expect(config.kubeAPIQPS == 50)
        #expect(config.kubeAPIBurst == 300)
        #expect(config.gotkMetrics)
        #expect(config.metricsObjectLabels.isEmpty)
        #expect(config.eventsAddress == nil)
        #expect(config.signals == SignalSettings(staleFactor: 3, perObjectTransitions: false))
    }

    @Test func httpMaxConnections() throws {
        #expect(try resolve([]).httpLimits == HTTPServerLimits())
        #expect(try resolve([]).httpLimits.maxConnections == 256)
        #expect(try resolve(["--http-max-connections", "1000"]).httpLimits.maxConnections == 1000)
        for bad in ["0", "-1", "1000001", "many"] {
            #expect(throws: (any Error).self, "\(bad)") { try resolve(["--http-max-connections", bad]) }
        }
    }

    @Test func seriesCacheSize() throws {
        #expect(try resolve([]).seriesCacheSize == 64 << 20)
        for (text, bytes) in [("0", 0), ("1", 1), ("4096", 4096), ("512Ki", 512 << 10), ("64Mi", 64 << 20), ("2Gi", 2 << 30), (" 8Mi ", 8 << 20),
                              ("8589934591Gi", 8_589_934_591 << 30)] {
            #expect(try resolve(["--metrics-series-cache-size", text]).seriesCacheSize == bytes, "\(text)")
        }
        #expect(RunCommand.helpMessage(columns: 1000).contains("--metrics-series-cache-size"))
        // Any whole number with any suffix: its product, or nil exactly when that overflows.
        var rng = TestRandom(variable: "BYTE_QUANTITY_SEED")
        for _ in 0..<2000 {
            let count = Int.random(in: 0...Int.max >> Int.random(in: 0...62, using: &rng), using: &rng)
            let (suffix, unit) = rng.pick([("", 1), ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30)]) ?? ("", 1)
            let product = count.multipliedReportingOverflow(by: unit)
            #expect(ByteQuantity.parse("\(count)\(suffix)") == (product.overflow ? nil : product.partialValue), "\(count)\(suffix), \(rng)")
        }
    }

    @Test func everyFlag() throws {
        let config = try resolve([
            "--kubeconfig", "/k", "--context", "c", "--namespace", "flux", "--reporting-interval", "1h30m",
            "--metrics-addr", "127.0.0.1:9090", "--health-addr", "[::1]:9091", "--enable-leader-election",
            "--log-level", "warn", "--log-encoding", "console", "--kube-api-qps", "20", "--kube-api-burst", "40",
            "--metrics-object-labels", "team, app.kubernetes.io/name,team", "--events-addr",
            "http://notification-controller.flux-system.svc.cluster.local./", "--disable-gotk-metrics",
            "--stale-interval-factor", "5", "--metrics-ready-transitions",
        ], environment: ["POD_NAME": "op-1"])
        #expect(config.kubeconfigPath == "/k")
        #expect(config.context == "c")
        #expect(config.namespace == "flux")
        #expect(config.reportingInterval == .seconds(5400))
        #expect(config.metricsAddress == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(config.healthAddress == ListenAddress(host: "::1", port: 9091))
        #expect(config.leaderElection)
        #expect(config.logLevel == .warning)
        #expect(config.logEncoding == .console)
        #expect(config.kubeAPIQPS == 20)
        #expect(config.kubeAPIBurst == 40)
        #expect(config.metricsObjectLabels == ["team", "app.kubernetes.io/name"])
        #expect(config.eventsAddress == "http://notification-controller.flux-system.svc.cluster.local./")
        #expect(config.gotkMetrics == false)
        #expect(config.podName == "op-1")
        #expect(config.signals == SignalSettings(staleFactor: 5, perObjectTransitions: true))
    }

    @Test func namespaceAndIntervalFromEnvironmentAndFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ns-\(UUID().uuidString)")
        try Data("tenant-a\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try resolve([], namespaceFile: file.path).namespace == "tenant-a")
        #expect(try resolve([], environment: ["RUNTIME_NAMESPACE": "ops"], namespaceFile: file.path).namespace == "ops")
        #expect(try resolve(["--namespace", "cli"], environment: ["RUNTIME_NAMESPACE": "ops"]).namespace == "cli")
        #expect(try resolve([], environment: ["REPORTING_INTERVAL": "30s"]).reportingInterval == .seconds(30))
        #expect(try resolve(["--reporting-interval", "2m"], environment: ["REPORTING_INTERVAL": "30s"]).reportingInterval == .seconds(120))
    }

    @Test(arguments: [
        (["--reporting-interval", "5x"], "--reporting-interval"),
        (["--reporting-interval=-5m"], "--reporting-interval"),
        (["--reporting-interval", "0s"], "--reporting-interval"),
        (["--metrics-addr", "8080"], "--metrics-addr"),
        (["--health-addr", "localhost:99999"], "--health-addr"),
        (["--log-level", "loud"], "--log-level"),
        (["--log-encoding", "xml"], "--log-encoding"),
        (["--kube-api-qps", "0"], "--kube-api-qps"),
        (["--kube-api-burst=-1"], "--kube-api-burst"),
        (["--metrics-object-labels", "a/b/c"], "--metrics-object-labels"),
        (["--events-addr", "ftp://x"], "--events-addr"),
        (["--namespace", "Not_A_Namespace"], "--namespace"),
        (["--stale-interval-factor", "0"], "--stale-interval-factor"),
        (["--stale-interval-factor=-3"], "--stale-interval-factor"),
        (["--stale-interval-factor", "1001"], "--stale-interval-factor"),
        (["--stale-interval-factor", "2.5"], "--stale-interval-factor"),
        (["--stale-interval-factor", "three"], "--stale-interval-factor"),
        (["--stale-interval-factor", "99999999999999999999999"], "--stale-interval-factor"),
        (["--metrics-series-cache-size=-1"], "--metrics-series-cache-size"),
        (["--metrics-series-cache-size", "64MB"], "--metrics-series-cache-size"),
        (["--metrics-series-cache-size", "64mi"], "--metrics-series-cache-size"),
        (["--metrics-series-cache-size", "64 Mi"], "--metrics-series-cache-size"),
        (["--metrics-series-cache-size", "1.5Gi"], "--metrics-series-cache-size"),
        (["--metrics-series-cache-size", "+5"], "--metrics-series-cache-size"),
        (["--metrics-series-cache-size", "Mi"], "--metrics-series-cache-size"),
        (["--metrics-series-cache-size", ""], "--metrics-series-cache-size"),
        (["--metrics-series-cache-size", "9007199254740992Gi"], "--metrics-series-cache-size"),
        (["--metrics-series-cache-size", "99999999999999999999"], "--metrics-series-cache-size"),
    ])
    func badValuesNameTheFlag(_ arguments: [String], _ flag: String) throws {
        do {
            _ = try resolve(arguments)
            Issue.record("expected \(arguments) to be rejected")
        } catch let error as UsageError {
            #expect(error.message.contains(flag), "\(error.message)")
        }
    }

    @Test func badEnvironmentIsAnError() {
        #expect(throws: UsageError.self) { try resolve([], environment: ["REPORTING_INTERVAL": "soon"]) }
        #expect(throws: UsageError.self) { try resolve([], environment: ["RUNTIME_NAMESPACE": "UPPER"]) }
    }

    @Test func exitCodes() async {
        #expect(await FluxReportOperatorCommand.execute(["--reporting-interval", "nope"]) == 2)
        #expect(await FluxReportOperatorCommand.execute(["--no-such-flag"]) == 2)
        #expect(await FluxReportOperatorCommand.execute(["version"]) == 0)
        #expect(await FluxReportOperatorCommand.execute(["--help"]) == 0)
        #expect(await FluxReportOperatorCommand.execute(["report", "-o", "xml"]) == 2)
    }
}

/// Which FluxReport changes call for a report: not the operator's own writes.
@Suite struct ReportTriggerTests {
    func report(_ annotations: [String: String], handled: String? = nil, deleting: Bool = false) -> CachedReport {
        var json: JSONValue = ["metadata": ["name": "flux", "namespace": "flux-system", "uid": "u"]]
        json["metadata"]["annotations"] = .object(annotations.mapValues { .string($0) })
        if let handled { json["status"] = ["lastHandledReconcileAt": .string(handled)] }
        if deleting { json["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z" }
        return CachedReport(json: json)
    }

    @Test func deletionAndNewRequestsTrigger() {
        #expect(ReportTriggers.reportNeedsReconcile.accepts(.deleted(report([:]))))
        #expect(ReportTriggers.reportNeedsReconcile.accepts(.updated(old: report([:]), new: report([ReportAnnotations.requestedAt: "1"]))))
        #expect(ReportTriggers.reportNeedsReconcile.accepts(.added(report([ReportAnnotations.requestedAt: "2"], handled: "1"))))
        #expect(ReportTriggers.reportNeedsReconcile.accepts(.updated(old: report([:]), new: report([ReportAnnotations.reconcileEvery: "2s"]))))
        #expect(ReportTriggers.reportNeedsReconcile.accepts(.updated(old: report([ReportAnnotations.reconcile: "disabled"]), new: report([:]))))
        // A new value while another is still pending, and an old value pending again (lastHandled rolled back).
        #expect(ReportTriggers.reportNeedsReconcile.accepts(.updated(old: report([ReportAnnotations.requestedAt: "1"]),
                                                                   new: report([ReportAnnotations.requestedAt: "2"]))))
        #expect(ReportTriggers.reportNeedsReconcile.accepts(.updated(old: report([ReportAnnotations.requestedAt: "1"], handled: "1"),
                                                                   new: report([ReportAnnotations.requestedAt: "1"], handled: "0"))))
    }

    @Test func ownWritesDoNotTrigger() {
        // The status write that handles a request, and a plain spec rewrite.
        let handled = report([ReportAnnotations.requestedAt: "1"], handled: "1")
        #expect(!ReportTriggers.reportNeedsReconcile.accepts(.updated(old: report([ReportAnnotations.requestedAt: "1"]), new: handled)))
        #expect(!ReportTriggers.reportNeedsReconcile.accepts(.updated(old: handled, new: handled)))
        #expect(!ReportTriggers.reportNeedsReconcile.accepts(.added(report([:]))))
        // The spec write of the report that handles a request lands before its status write: the
        // request is still pending, but it is the one already being answered (one report per request).
        let pending = report([ReportAnnotations.requestedAt: "1"], handled: "0")
        #expect(!ReportTriggers.reportNeedsReconcile.accepts(.updated(old: pending, new: pending)))
    }
}
