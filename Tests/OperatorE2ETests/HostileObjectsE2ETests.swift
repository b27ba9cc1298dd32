import FluxReport
import Foundation
import KubeCore
import TestSupport
import Testing

extension EndToEnd {
    /// The binary against objects no controller writes: megabyte labels, annotations, URL and message,
    /// thousands of conditions, deep nesting and wrong types. It keeps running, its exported values are
    /// cut to the projection's caps, and the report and metrics of every other object stay correct.
    @Suite("E2E: hostile objects", .timeLimit(.minutes(3)))
    struct HostileObjectsE2ETests {
        static let gitRepositories = E2EEnvironment.kinds.gitRepositories
        static let mebibyte = String(repeating: "x", count: 1 << 20)

        static func nested(_ depth: Int) -> JSONValue {
            var value: JSONValue = .array([])
            for _ in 1..<depth { value = .array([value]) }
            return value
        }

        @Test("megabyte fields, 5,000 conditions, deep nesting, wrong types: bounded labels, correct report and metrics")
        func hostileObjects() async throws {
            try await E2EEnvironment.with(fleet: E2EEnvironment.fleet(seed: 31, objects: 60)) { env in
                let (huge, wrong) = try await MetricsE2ETests.pickRepositories(env)
                let plain = try await env.client.listAll(Self.gitRepositories, namespace: nil).items
                    .filter { $0.objectKey != huge.objectKey && $0.objectKey != wrong.objectKey }
                try env.sim.modify(Self.gitRepositories, namespace: huge.namespace, name: huge.name) {
                    $0["metadata"]["labels"]["team"] = .string(Self.mebibyte)
                    $0["metadata"]["annotations"]["note"] = .string(Self.mebibyte)
                    $0["spec"]["url"] = .string("https://" + Self.mebibyte)
                    $0["spec"]["deep"] = Self.nested(400)
                }
                var status = huge["status"]
                var conditions: [JSONValue] = (0..<5_000).map { ["type": .string("Custom\($0)"), "status": "True", "reason": "Fine"] }
                conditions.append(["type": "Ready", "status": "False", "reason": "GitOperationFailed", "message": .string(Self.mebibyte),
                                   "lastTransitionTime": "2025-01-01T00:00:00Z"])
                status["conditions"] = .array(conditions)
                try env.sim.setStatus(Self.gitRepositories, namespace: huge.namespace, name: huge.name, status: status)
                try env.sim.modify(Self.gitRepositories, namespace: wrong.namespace, name: wrong.name) {
                    $0["metadata"]["labels"]["team"] = 42
                    $0["spec"]["suspend"] = "true"
                    $0["spec"]["url"] = ["not", "a", "string"]
                }
                try env.sim.setStatus(Self.gitRepositories, namespace: wrong.namespace, name: wrong.name,
                                      status: ["conditions": "Ready", "artifact": ["size": "big", "revision": 7]])

                try await env.withOperator(arguments: ["--metrics-object-labels=team", "--reporting-interval=10m"]) { op in
                    try await env.waitForCorrectReport()
                    let samples = try await eventually("flux_resource_info of both hostile objects", timeout: .seconds(20)) { () -> [PromSample]? in
                        let samples = try await op.metrics()
                        let keys = Set(samples.named("flux_resource_info").map { "\($0.labels["exported_namespace"] ?? "")/\($0.labels["name"] ?? "")" })
                        return keys.contains(huge.objectKey) && keys.contains(wrong.objectKey) ? samples : nil
                    }
                    let info = samples.named("flux_resource_info")
                    let hugeSeries = try #require(info.first { $0.labels["name"] == huge.name && $0.labels["exported_namespace"] == huge.namespace && $0.labels["kind"] == "GitRepository" })
                    #expect(hugeSeries.labels["ready"] == "False")
                    #expect(hugeSeries.labels["reason"] == "GitOperationFailed")
                    for key in ["label_team", "url"] {
                        let value = hugeSeries.labels[key] ?? ""
                        #expect(value.utf8.count <= FluxObject.maxFieldBytes, "\(key): \(value.utf8.count) bytes")
                        #expect(value.hasSuffix(FluxObject.truncationMarker), "\(key)")
                    }
                    let wrongSeries = try #require(info.first { $0.labels["name"] == wrong.name && $0.labels["exported_namespace"] == wrong.namespace && $0.labels["kind"] == "GitRepository" })
                    #expect(wrongSeries.labels["ready"] == "Unknown")
                    #expect(wrongSeries.labels["suspended"] == "False")
                    #expect(wrongSeries.labels["label_team"] == "")
                    #expect(wrongSeries.labels["url"] == "")
                    // Every other GitRepository: its series as the projection of its object says.
                    for object in plain {
                        let expected = FluxObject(json: object, kind: "GitRepository", keepLabels: ["team"])
                        let series = info.filter { $0.labels["name"] == object.name && $0.labels["exported_namespace"] == object.namespace
                            && $0.labels["kind"] == "GitRepository" }
                        #expect(series.count == 1, "\(object.objectKey)")
                        #expect(series.first?.labels["ready"] == expected.metricReady.rawValue, "\(object.objectKey)")
                        #expect(series.first?.labels["revision"] == expected.revision, "\(object.objectKey)")
                        #expect(series.first?.labels["url"] == expected.url, "\(object.objectKey)")
                    }
                    let text = try await op.metricsText()
                    #expect(text.utf8.count < 4 << 20, "the scrape is \(text.utf8.count) bytes")
                    #expect(op.isRunning)
                    try await MetricsE2ETests.promtoolCheck(text)
                }
            }
        }
    }
}
