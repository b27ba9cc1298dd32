import Testing
@testable import KubeClient

@Suite struct TokenBucketTests {
    @Test func burstIsFreeThenPacedAtQPS() {
        let start = ContinuousClock.now
        let bucket = TokenBucket(qps: 10, burst: 3, now: start)
        for _ in 0..<3 { #expect(bucket.reserve(now: start) == .zero) }
        // Fourth and fifth go into debt: 100 ms and 200 ms.
        #expect(bucket.reserve(now: start) == .milliseconds(100))
        #expect(bucket.reserve(now: start) == .milliseconds(200))
    }

    @Test func refillsOverTimeUpToBurst() {
        let start = ContinuousClock.now
        let bucket = TokenBucket(qps: 2, burst: 2, now: start)
        _ = bucket.reserve(now: start)
        _ = bucket.reserve(now: start)
        // One second later two tokens are back, never more than burst.
        let later = start + .seconds(10)
        #expect(bucket.reserve(now: later) == .zero)
        #expect(bucket.reserve(now: later) == .zero)
        #expect(bucket.reserve(now: later) == .milliseconds(500))
    }

    @Test func releaseGivesBackAToken() {
        let start = ContinuousClock.now
        let bucket = TokenBucket(qps: 1, burst: 1, now: start)
        #expect(bucket.reserve(now: start) == .zero)
        #expect(bucket.reserve(now: start) == .seconds(1))
        bucket.release()
        #expect(bucket.reserve(now: start) == .seconds(1))
    }

    @Test func zeroQPSDisablesLimiting() {
        let bucket = TokenBucket(qps: 0, burst: 1)
        for _ in 0..<100 { #expect(bucket.reserve() == .zero) }
    }

    @Test func acquireIsCancellable() async {
        let bucket = TokenBucket(qps: 0.01, burst: 1)
        try? await bucket.acquire()
        let task = Task { try await bucket.acquire() }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
