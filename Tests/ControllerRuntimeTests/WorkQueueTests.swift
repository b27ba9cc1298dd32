import KubeCore
import Dispatch
import TestSupport
import Testing
@testable import ControllerRuntime

@Suite("WorkQueue")
struct WorkQueueTests {
    /// A limiter with a fixed delay, so tests control timing exactly.
    final class FixedLimiter: RateLimiter {
        let inner = ItemExponentialFailureRateLimiter<String>(base: .seconds(1), max: .seconds(8))
        func when(_ item: String) -> Duration { inner.when(item) }
        func forget(_ item: String) { inner.forget(item) }
        func numRequeues(_ item: String) -> Int { inner.numRequeues(item) }
    }

    @Test func deduplicatesQueuedItems() async {
        let queue = WorkQueue<String>(clock: ManualClock())
        queue.add("a")
        queue.add("a")
        queue.add("b")
        #expect(queue.count == 2)
        #expect(await queue.get() == "a")
        #expect(await queue.get() == "b")
        #expect(queue.count == 0)
    }

    @Test func itemAddedWhileProcessingIsRequeuedAfterDone() async {
        let queue = WorkQueue<String>(clock: ManualClock())
        queue.add("a")
        let first = await queue.get()
        #expect(first == "a")
        queue.add("a")  // while processing: must not be handed out twice
        queue.add("a")
        #expect(queue.count == 0)
        queue.done("a")
        #expect(queue.count == 1)
        #expect(await queue.get() == "a")
        queue.done("a")
        #expect(queue.count == 0)
    }

    @Test func addAfterWaitsForTheClock() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(clock: clock)
        queue.addAfter("later", .seconds(10))
        queue.addAfter("later", .seconds(20))  // the earlier time wins
        #expect(queue.count == 0)
        #expect(queue.delayedCount == 1)
        clock.advance(by: .seconds(9))
        queue.add("now")
        #expect(await queue.get() == "now")
        #expect(queue.count == 0)
        clock.advance(by: .seconds(1))
        #expect(await queue.get() == "later")
        #expect(queue.delayedCount == 0)
    }

    @Test func waitingGetIsWokenByTheTimer() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(clock: clock)
        queue.addAfter("x", .seconds(5))
        async let got = queue.get()
        // Wait until the timer task sleeps on the clock, then move time.
        while clock.sleeperCount == 0 { await Task.yield() }
        clock.advance(by: .seconds(5))
        #expect(await got == "x")
    }

    /// `addAfter`s racing from several threads: every item must be queued at its own deadline, whatever
    /// the order in which the calls arm their timers: a later deadline must not cancel the timer of an
    /// earlier one (the earlier item would wait for the later time). Randomized delays, seed printed
    /// on failure.
    @Test func racingAddAfterNeverLetsALaterDeadlineCancelAnEarlierTimer() async throws {
        var rng = TestRandom()
        let seed = rng.seed
        for iteration in 0..<200 {
            let clock = ManualClock()
            let queue = WorkQueue<String>(clock: clock)
            // Distinct delays, 1 ms apart at least.
            var delays: [Duration] = []
            var used: Set<Int64> = []
            while delays.count < 8 {
                let ms = Int64(rng.next() % 5000) + 1
                if used.insert(ms).inserted { delays.append(.milliseconds(ms)) }
            }
            let fixed = delays
            DispatchQueue.concurrentPerform(iterations: fixed.count) { index in
                queue.addAfter("item-\(index)", fixed[index])
            }
            var elapsed = Duration.zero
            for (index, delay) in fixed.enumerated().sorted(by: { $0.element < $1.element }) {
                clock.advance(by: delay - elapsed)
                elapsed = delay
                try await waitUntil("iteration \(iteration): item-\(index) queued at its deadline \(delay) (seed \(seed))") { queue.count == 1 }
                #expect(await queue.get() == "item-\(index)", "seed \(seed)")
                queue.done("item-\(index)")
            }
            queue.shutDown()
        }
    }

    @Test func exponentialBackoffGrowsAndCaps() {
        let limiter = ItemExponentialFailureRateLimiter<String>(base: .milliseconds(5), max: .seconds(1000))
        #expect(limiter.when("a") == .milliseconds(5))
        #expect(limiter.when("a") == .milliseconds(10))
        #expect(limiter.when("a") == .milliseconds(20))
        #expect(limiter.numRequeues("a") == 3)
        #expect(limiter.when("b") == .milliseconds(5))
        for _ in 0..<40 { _ = limiter.when("a") }
        #expect(limiter.when("a") == .seconds(1000))
        for _ in 0..<100 { _ = limiter.when("a") }
        #expect(limiter.when("a") == .seconds(1000))
        limiter.forget("a")
        #expect(limiter.numRequeues("a") == 0)
        #expect(limiter.when("a") == .milliseconds(5))
    }

    @Test func bucketLimiterAllowsBurstThenPacesAtQPS() {
        let clock = ManualClock()
        let limiter = BucketRateLimiter<Int>(qps: 10, burst: 100, clock: clock)
        for i in 0..<100 { #expect(limiter.when(i) == .zero) }
        // The 101st waits one token's time (100 ms), the next two tokens' time.
        #expect(limiter.when(100) == .milliseconds(100))
        #expect(limiter.when(101) == .milliseconds(200))
        clock.advance(by: .seconds(10))
        #expect(limiter.when(102) == .zero)
    }

    @Test func defaultLimiterIsTheMaxOfBoth() {
        let clock = ManualClock()
        let limiter = MaxOfRateLimiter<String>.controllerDefault(clock: clock)
        #expect(limiter.when("a") == .milliseconds(5))
        #expect(limiter.when("a") == .milliseconds(10))
        #expect(limiter.numRequeues("a") == 2)
        limiter.forget("a")
        #expect(limiter.numRequeues("a") == 0)
    }

    @Test func addRateLimitedBacksOffPerItem() async {
        let clock = ManualClock()
        let queue = WorkQueue<String>(clock: clock, rateLimiter: FixedLimiter())
        queue.addRateLimited("k")  // 1 s
        #expect(queue.delayedCount == 1)
        clock.advance(by: .seconds(1))
        #expect(await queue.get() == "k")
        queue.done("k")
        queue.addRateLimited("k")  // 2 s
        clock.advance(by: .seconds(1))
        #expect(queue.count == 0)
        queue.add("other")
        #expect(await queue.get() == "other")
        clock.advance(by: .seconds(1))
        #expect(await queue.get() == "k")
        #expect(queue.numRequeues("k") == 2)
        queue.forget("k")
        #expect(queue.numRequeues("k") == 0)
    }

    @Test func shutDownWakesWaitersAndRejectsAdds() async {
        let queue = WorkQueue<String>(clock: ManualClock())
        async let waiting = queue.get()
        await Task.yield()
        queue.shutDown()
        #expect(await waiting == nil)
        queue.add("late")
        #expect(await queue.get() == nil)
        #expect(queue.isShuttingDown)
    }

    @Test func shutDownWithDrainHandsOutQueuedItemsAndWaitsForDone() async {
        let queue = WorkQueue<String>(clock: ManualClock())
        queue.add("a")
        queue.add("b")
        #expect(await queue.get() == "a")
        let drained = Task { await queue.shutDownWithDrain() }
        #expect(await queue.get() == "b")
        queue.done("a")
        queue.done("b")
        await drained.value
        #expect(await queue.get() == nil)
    }

    @Test func cancelledGetReturnsNil() async {
        let queue = WorkQueue<String>(clock: ManualClock())
        let task = Task { await queue.get() }
        task.cancel()
        #expect(await task.value == nil)
        queue.add("a")
        #expect(await queue.get() == "a")
    }
}

@Suite("WorkQueue metrics")
struct WorkQueueMetricsTests {
    @Test func countsAddsDepthAndDurationsWithTheInjectedClock() async {
        let clock = ManualClock()
        let registry = MetricsRegistry()
        let queue = WorkQueue<String>(name: "q", clock: clock,
                                      metrics: WorkQueueMetrics(registry: registry, name: "q", controller: "c"))
        queue.add("a")
        queue.add("a")  // de-duplicated: not counted
        queue.add("b")
        var text = registry.scrapeString()
        #expect(text.contains(#"workqueue_adds_total{name="q",controller="c"} 2"#))
        #expect(text.contains(#"workqueue_depth{name="q",controller="c"} 2"#))
        clock.advance(by: .seconds(2))
        #expect(await queue.get() == "a")
        clock.advance(by: .seconds(3))
        queue.updateUnfinishedWorkMetrics()
        text = registry.scrapeString()
        #expect(text.contains(#"workqueue_depth{name="q",controller="c"} 1"#))
        #expect(text.contains(#"workqueue_longest_running_processor_seconds{name="q",controller="c"} 3"#))
        #expect(text.contains(#"workqueue_unfinished_work_seconds{name="q",controller="c"} 3"#))
        // Queued for 2 s: in the 10 s bucket, not the 1 s one.
        #expect(text.contains(#"workqueue_queue_duration_seconds_bucket{name="q",controller="c",le="1.0"} 0"#))
        #expect(text.contains(#"workqueue_queue_duration_seconds_bucket{name="q",controller="c",le="10.0"} 1"#))
        queue.done("a")
        text = registry.scrapeString()
        #expect(text.contains(#"workqueue_work_duration_seconds_sum{name="q",controller="c"} 3"#))
    }
}

