import KubeCore
import TestSupport
import Testing

/// The one token bucket (client QPS, work queue, event spam filter), checked against properties
/// over seeded random clocks that also jump backwards and produce garbage.
@Suite struct TokenBucketStateTests {
    @Test func neverGivesMoreThanBurstPlusRefillAndCoversDebtOnTime() {
        var random = TestRandom()
        for _ in 0..<200 {
            let rate = [0.5, 1, 10, 1000][Int.random(in: 0..<4, using: &random)]
            let burst = Int.random(in: 1...20, using: &random)
            var bucket = TokenBucketState(ratePerSecond: rate, burst: burst)
            var now = Double.random(in: 0...1e6, using: &random)
            var start: Double?  // the first reading the bucket sees
            var latest = now
            var consumed = 0
            for _ in 0..<300 {
                // Mostly forwards, sometimes backwards (a clock step), now and then garbage.
                switch Int.random(in: 0..<20, using: &random) {
                case 0: now -= Double.random(in: 0...5, using: &random)
                case 1:
                    let before = bucket
                    bucket.advance(to: .nan)
                    #expect(bucket == before, "NaN moved the bucket (\(random))")
                default: now += Double.random(in: 0...0.2, using: &random)
                }
                latest = max(latest, now)
                if start == nil { start = now }
                if Int.random(in: 0..<3, using: &random) == 0 {
                    let delay = bucket.reserve(at: now)
                    consumed += 1
                    if delay > .zero {
                        // The debt is covered exactly when the delay has passed.
                        var later = bucket
                        later.advance(to: max(now, latest) + delay / .seconds(1) + 1e-6)
                        #expect(later.tokens >= -1e-6, "debt not covered after \(delay) (\(random))")
                    }
                } else if bucket.take(at: now) {
                    consumed += 1
                }
                #expect(bucket.tokens <= bucket.burst, "more than burst (\(random))")
                // No tokens from nowhere: what was handed out, plus what is left (or minus the debt),
                // came from the burst or the refill over the time the clock actually advanced.
                #expect(Double(consumed) + bucket.tokens <= Double(burst) + (latest - (start ?? now)) * rate + 1e-6,
                        "\(consumed) tokens, \(bucket.tokens) left (\(random))")
            }
        }
    }

    @Test func backwardsClockRefillsNothingAndDegenerateRatesSaturate() {
        var bucket = TokenBucketState(ratePerSecond: 1, burst: 1)
        let taken = [bucket.take(at: 100), bucket.take(at: 50), bucket.take(at: 100.5), bucket.take(at: 101)]
        // Jumping back 50 s refills nothing, and the later reading is kept: at 100.5 only 0.5 s has passed.
        #expect(taken == [true, false, false, true])
        var stopped = TokenBucketState(ratePerSecond: 0, burst: 1)
        let stoppedDelays = [stopped.reserve(at: 0), stopped.reserve(at: 1e9)]
        #expect(stoppedDelays == [.zero, .nanoseconds(Int64.max)])
        var tiny = TokenBucketState(ratePerSecond: 1e-300, burst: 1)
        let tinyDelays = [tiny.reserve(at: 0), tiny.reserve(at: 0)]
        #expect(tinyDelays == [.zero, .nanoseconds(Int64.max)])
        var infinite = TokenBucketState(ratePerSecond: .infinity, burst: 0)
        #expect(infinite.burst == 1 && infinite.ratePerSecond == 0)
        let infiniteTaken = [infinite.take(at: 0), infinite.take(at: 1)]
        #expect(infiniteTaken == [true, false])
        bucket.refund()
        bucket.refund()
        #expect(bucket.tokens == bucket.burst)
    }
}
