import KubeCore
import Logging

/// Decides how long an item waits before it is retried (client-go's `workqueue.RateLimiter`).
public protocol RateLimiter<Item>: Sendable {
    associatedtype Item: Hashable & Sendable
    /// The delay before the item may be processed again; counts as one failure.
    func when(_ item: Item) -> Duration
    /// Stops tracking the item (it succeeded).
    func forget(_ item: Item)
    /// How many times the item has been rate-limited since the last `forget`.
    func numRequeues(_ item: Item) -> Int
}

/// Per-item exponential backoff: base × 2^failures, capped (the cap at least `DelayFloor.minimum`).
public final class ItemExponentialFailureRateLimiter<Item: Hashable & Sendable>: RateLimiter {
    private let base: Duration
    private let maxDelay: Duration
    private let failures = LockedState<[Item: Int]>([:])

    public init(base: Duration = .milliseconds(5), max: Duration = .seconds(1000)) {
        self.base = base
        self.maxDelay = DelayFloor.clamped(max, "rate limiter ceiling", logger: Logger(label: "controller-runtime.ratelimiter"))
    }

    public func when(_ item: Item) -> Duration {
        let exponent = failures.withLock { failures in
            let current = failures[item, default: 0]
            failures[item] = current + 1
            return current
        }
        // Cap the exponent before multiplying so the arithmetic never overflows.
        if exponent >= 62 { return maxDelay }
        let seconds = base / .seconds(1) * Double(UInt64(1) << UInt64(exponent))
        if seconds >= maxDelay / .seconds(1) { return maxDelay }
        return base * Int(UInt64(1) << UInt64(exponent))
    }

    public func forget(_ item: Item) { _ = failures.withLock { $0.removeValue(forKey: item) } }
    public func numRequeues(_ item: Item) -> Int { failures.withLock { $0[item, default: 0] } }
}

/// An overall token bucket (qps, burst): the delay is how long until a token is available,
/// reserving it now (like golang.org/x/time/rate `Reserve().Delay()`).
public final class BucketRateLimiter<Item: Hashable & Sendable>: RateLimiter {
    private let clock: any RuntimeClock
    private let bucket: LockedState<TokenBucketState>

    public init(qps: Double = 10, burst: Int = 100, clock: any RuntimeClock = SystemClock()) {
        self.clock = clock
        // A zero rate would never refill: keep controller-runtime's floor of a token per 11.6 days.
        bucket = LockedState(TokenBucketState(ratePerSecond: max(qps, 0.000_001), burst: burst))
    }

    public func when(_ item: Item) -> Duration {
        let now = clock.now() / .seconds(1)
        return bucket.withLock { $0.reserve(at: now) }
    }

    public func forget(_ item: Item) {}
    public func numRequeues(_ item: Item) -> Int { 0 }
}

/// The worst (longest) delay of several limiters; controller-runtime's default combines
/// per-item exponential backoff with the overall bucket.
public final class MaxOfRateLimiter<Item: Hashable & Sendable>: RateLimiter {
    private let limiters: [any RateLimiter<Item>]

    public init(_ limiters: [any RateLimiter<Item>]) {
        self.limiters = limiters
    }

    public func when(_ item: Item) -> Duration {
        limiters.map { $0.when(item) }.max() ?? .zero
    }

    public func forget(_ item: Item) { for limiter in limiters { limiter.forget(item) } }
    public func numRequeues(_ item: Item) -> Int { limiters.map { $0.numRequeues(item) }.max() ?? 0 }

    /// 5 ms → 1000 s per item, max-combined with 10 qps / burst 100 overall.
    public static func controllerDefault(clock: any RuntimeClock = SystemClock()) -> MaxOfRateLimiter<Item> {
        MaxOfRateLimiter([
            ItemExponentialFailureRateLimiter<Item>(base: .milliseconds(5), max: .seconds(1000)),
            BucketRateLimiter<Item>(qps: 10, burst: 100, clock: clock),
        ])
    }
}
