import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeCore
import KubeFake
import Logging
import TestSupport
import Testing
@testable import ControllerRuntime

/// Renders N series at scrape time without holding per-series objects.
struct ManySeriesCollector: MetricsCollector {
    var count: Int
    func pieces() -> [MetricsPiece] {
        [.text { [count] buffer in
            MetricsText.header("test_resource_info", help: "A test family with many series.", type: "gauge", into: &buffer)
            for i in 0..<count {
                MetricsText.sample("test_resource_info", labels: [("name", "obj-\(i)"), ("note", "a \"quoted\"\\value")], value: 1, into: &buffer)
            }
        }]
    }
}

@Suite("Metrics")
struct MetricsTests {
    static func promtool() -> String? {
        for path in ["/usr/bin/promtool", "/usr/local/bin/promtool", "/bin/promtool"] where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    /// Runs `promtool check metrics` on the text; returns (exit status, output).
    static func check(_ text: String, promtool: String) async throws -> (Int32, String) {
        let outcome = try await ChildProcess.run(promtool, ["check", "metrics"], input: text)
        return (outcome.status, outcome.stdout + outcome.stderr)
    }

    static func populatedRegistry() -> MetricsRegistry {
        let registry = MetricsRegistry()
        registry.register(collector: ProcessCollector())
        registry.register(collector: ManySeriesCollector(count: 3))
        _ = Controller<String>(name: "fluxreport", reconciler: ReconcilerFunc { _ in .done }, registry: registry)
        RESTClientMetrics(registry: registry).requestCompleted(code: "200", method: "GET", host: "127.0.0.1:6443")
        RESTClientMetrics(registry: registry).requestCompleted(code: "<error>", method: "WATCH", host: "127.0.0.1:6443")
        _ = LeaderElector(api: FakeKubeAPI(), configuration: LeaderElectionTests.config("x"), registry: registry)
        return registry
    }

    @Test func conflictingRegistrationDoesNotCrash() {
        let registry = MetricsRegistry()
        let a = registry.counter("thing_total", help: "things", labels: [("a", "1")])
        let b = registry.counter("thing_total", help: "things", labels: [("a", "1")])
        #expect(a === b)
        let conflict = registry.gauge("thing_total", help: "other", labels: [("b", "1")])
        conflict.set(Double(5))
        a.increment()
        let text = registry.scrapeString()
        #expect(text.contains("thing_total{a=\"1\"} 1"))
        #expect(!text.contains("thing_total{b="))
    }

    @Test func processMetricsAreRead() {
        let registry = MetricsRegistry()
        registry.register(collector: ProcessCollector())
        let text = registry.scrapeString()
        for name in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
                     "process_open_fds", "process_max_fds", "process_start_time_seconds"] {
            #expect(text.contains("# TYPE \(name) "))
            #expect(text.contains("\n\(name) "))
        }
        #expect(!text.contains("process_resident_memory_bytes 0\n"))
    }

    @Test func outputPassesPromtool() async throws {
        let text = Self.populatedRegistry().scrapeString()
        #expect(text.contains(#"rest_client_requests_total{code="200",method="GET",host="127.0.0.1:6443"} 1"#))
        #expect(text.contains(#"test_resource_info{name="obj-0",note="a \"quoted\"\\value"} 1"#))
        guard let promtool = Self.promtool() else {
            Issue.record("promtool is not installed (apt-get install prometheus); skipping the check")
            return
        }
        let (status, output) = try await Self.check(text, promtool: promtool)
        #expect(status == 0, "promtool: \(output)")
    }

    /// Its speed is hack/bench's to measure (docs/benchmarks.md), not a timed test's.
    @Test func scrapingManyCollectorSeriesRendersEveryOne() {
        let registry = MetricsRegistry()
        registry.register(collector: ManySeriesCollector(count: 100_000))
        let bytes = registry.scrape()
        #expect(bytes.count > 5_000_000)
    }

    @Test func serversBindEphemeralPortsAndServe() async throws {
        let registry = Self.populatedRegistry()
        let checks = HealthChecks()
        let ready = SendableFlag()
        checks.addReadinessCheck("caches-synced") { ready.value }
        checks.addLivenessCheck("ping") { true }
        let metrics = RuntimeHTTPServer.metrics(address: try ListenAddress(parsing: "127.0.0.1:0"), registry: registry)
        let health = RuntimeHTTPServer.health(address: try ListenAddress(parsing: "127.0.0.1:0"), checks: checks)
        let servers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await metrics.run() }
                group.addTask { try await health.run() }
                try await group.waitForAll()
            }
        }
        let metricsPort = await metrics.boundPort()
        let healthPort = await health.boundPort()
        #expect(metricsPort > 0)
        let (body, status) = try await Self.fetch("http://127.0.0.1:\(metricsPort)/metrics")
        #expect(status == 200)
        #expect(body.contains("controller_runtime_reconcile_total"))
        if let promtool = Self.promtool() {
            let (code, output) = try await Self.check(body, promtool: promtool)
            #expect(code == 0, "promtool: \(output)")
        }
        let (notReady, notReadyStatus) = try await Self.fetch("http://127.0.0.1:\(healthPort)/readyz")
        #expect(notReadyStatus == 500)
        #expect(notReady.contains("caches-synced"))
        ready.value = true
        #expect(try await Self.fetch("http://127.0.0.1:\(healthPort)/readyz").1 == 200)
        #expect(try await Self.fetch("http://127.0.0.1:\(healthPort)/healthz").1 == 200)
        servers.cancel()
        _ = await servers.result
    }

    @Test func listenAddressParsing() throws {
        #expect(try ListenAddress(parsing: ":8080") == ListenAddress(host: "", port: 8080))
        #expect(try ListenAddress(parsing: "127.0.0.1:0") == ListenAddress(host: "127.0.0.1", port: 0))
        #expect(try ListenAddress(parsing: "[::1]:9090") == ListenAddress(host: "::1", port: 9090))
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress(parsing: "8080") }
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress(parsing: ":99999") }
    }

    static func fetch(_ url: String) async throws -> (String, Int) {
        let target = try #require(URL(string: url))
        let (data, response) = try await URLSession.shared.data(from: target)
        return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.statusCode ?? 0)
    }
}

final class SendableFlag: Sendable {
    private let storage = LockedState(false)
    var value: Bool {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

