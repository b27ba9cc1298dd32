import KubeCore
import TestSupport
import Testing
@testable import ControllerRuntime

@Suite("Controller")
struct ControllerTests {
    /// Records concurrency per key and the order of calls.
    final class Recorder: Sendable {
        struct State {
            var inFlight: [String: Int] = [:]
            var maxPerKey = 0
            var maxTotal = 0
            var total = 0
            var calls: [String: Int] = [:]
        }
        let state = LockedState(State())
        func enter(_ key: String) {
            state.withLock { state in
                state.inFlight[key, default: 0] += 1
                state.total += 1
                state.maxPerKey = max(state.maxPerKey, state.inFlight[key, default: 0])
                state.maxTotal = max(state.maxTotal, state.total)
                state.calls[key, default: 0] += 1
            }
        }
        func leave(_ key: String) {
            state.withLock { state in
                state.inFlight[key, default: 0] -= 1
                state.total -= 1
            }
        }
        func calls(_ key: String) -> Int { state.withLock { $0.calls[key, default: 0] } }
    }

    @Test func sameKeyIsNeverReconciledConcurrently() async throws {
        let recorder = Recorder()
        let controller = Controller<String>(
            name: "test", reconciler: ReconcilerFunc { key in
                recorder.enter(key)
                // A reconcile that takes a while, so that others run meanwhile (workload, not a wait).
                try? await Task.sleep(for: .milliseconds(2))
                recorder.leave(key)
                return .done
            }, maxConcurrentReconciles: 4)
        let run = Task { await controller.run() }
        for round in 0..<50 {
            for key in ["a", "b", "c", "d", "e"] { controller.enqueue(key) }
            // Some keys enqueued again while their reconcile runs.
            if round % 5 == 0 { try? await Task.sleep(for: .milliseconds(3)) }
        }
        try await waitUntil { controller.queue.count == 0 && controller.queue.processingCount == 0 }
        run.cancel()
        await run.value
        let state = recorder.state.withLock { $0 }
        #expect(state.maxPerKey == 1)
        #expect(state.maxTotal <= 4)
        #expect(state.maxTotal >= 2)
        #expect(recorder.calls("a") >= 1)
    }

    @Test func resultsDriveRequeues() async throws {
        let registry = MetricsRegistry()
        let attempts = LockedState<[String: Int]>([:])
        let controller = Controller<String>(
            name: "results", reconciler: ReconcilerFunc { key in
                let attempt = attempts.withLock { $0[key, default: 0] += 1; return $0[key, default: 0] }
                switch key {
                case "fails-twice":
                    if attempt <= 2 { throw KubeAPIError(reason: .serverError, code: 500, message: "boom") }
                    return .done
                case "requeue-once":
                    return attempt == 1 ? .requeue : .done
                case "after":
                    return attempt == 1 ? .requeueAfter(.milliseconds(20)) : .done
                default:
                    return .done
                }
            }, maxConcurrentReconciles: 2, registry: registry)
        let run = Task { await controller.run() }
        for key in ["fails-twice", "requeue-once", "after", "ok"] { controller.enqueue(key) }
        try await waitUntil {
            attempts.withLock { $0["fails-twice"] == 3 && $0["requeue-once"] == 2 && $0["after"] == 2 && $0["ok"] == 1 }
        }
        try await waitUntil { controller.queue.processingCount == 0 }
        // Successful keys are forgotten by the rate limiter.
        #expect(controller.queue.numRequeues("fails-twice") == 0)
        run.cancel()
        await run.value
        let text = registry.scrapeString()
        #expect(text.contains(#"controller_runtime_reconcile_total{controller="results",result="success"} 4"#))
        #expect(text.contains(#"controller_runtime_reconcile_total{controller="results",result="error"} 2"#))
        #expect(text.contains(#"controller_runtime_reconcile_total{controller="results",result="requeue"} 1"#))
        #expect(text.contains(#"controller_runtime_reconcile_total{controller="results",result="requeue_after"} 1"#))
        #expect(text.contains(#"controller_runtime_reconcile_errors_total{controller="results"} 2"#))
        #expect(text.contains(#"controller_runtime_max_concurrent_reconciles{controller="results"} 2"#))
        #expect(text.contains(#"controller_runtime_reconcile_time_seconds_count{controller="results"} 8"#))
        #expect(text.contains(#"workqueue_retries_total{name="results",controller="results"} 3"#))
    }

    @Test func resultCountersArePrecreatedAtZero() {
        let registry = MetricsRegistry()
        _ = Controller<String>(name: "idle", reconciler: ReconcilerFunc { _ in .done }, registry: registry)
        let text = registry.scrapeString()
        for result in ["success", "error", "requeue", "requeue_after"] {
            #expect(text.contains("controller_runtime_reconcile_total{controller=\"idle\",result=\"\(result)\"} 0"))
        }
        #expect(text.contains(#"controller_runtime_reconcile_time_seconds_bucket{controller="idle",le="0.005"} 0"#))
        #expect(text.contains(#"controller_runtime_reconcile_time_seconds_bucket{controller="idle",le="60.0"} 0"#)
                || text.contains(#"controller_runtime_reconcile_time_seconds_bucket{controller="idle",le="60"} 0"#))
        #expect(text.contains(#"workqueue_queue_duration_seconds_bucket{name="idle",controller="idle",le="1e-08"} 0"#))
    }

    @Test func predicatesFilterEvents() {
        let old: JSONValue = ["metadata": ["name": "x", "generation": 1, "annotations": ["a": "1"]], "status": ["v": 1]]
        var statusOnly = old
        statusOnly["status"] = ["v": 2]
        var specChange = old
        specChange["metadata"]["generation"] = 2
        var annotated = old
        annotated["metadata"]["annotations"] = ["a": "2"]
        let generation = Predicate<JSONValue>.generationChanged
        #expect(!generation.accepts(.updated(old: old, new: statusOnly)))
        #expect(generation.accepts(.updated(old: old, new: specChange)))
        #expect(generation.accepts(.added(old)))
        let either = Predicate<JSONValue>.or([.generationChanged, .annotationChanged("a")])
        #expect(either.accepts(.updated(old: old, new: annotated)))
        #expect(!either.accepts(.updated(old: old, new: statusOnly)))
    }
}
