import KubeCore

/// Client-side rate limiter: a token bucket of `burst` tokens refilled at `qps` per second
/// (client-go's `flowcontrol.NewTokenBucketRateLimiter`).
///
/// Callers reserve a token and sleep for the returned delay, so waiting needs no lock and is cancellable.
public final class TokenBucket: Sendable {
    public let qps: Double
    public let burst: Int

    private let origin: ContinuousClock.Instant
    private let bucket: LockedState<TokenBucketState>

    public init(qps: Double, burst: Int, now: ContinuousClock.Instant = .now) {
        self.qps = qps
        self.burst = max(1, burst)
        origin = now
        bucket = LockedState(TokenBucketState(ratePerSecond: qps, burst: burst))
    }

    /// Takes one token (possibly going into debt) and returns how long the caller must wait.
    /// A non-positive `qps` disables limiting.
    public func reserve(now: ContinuousClock.Instant = .now) -> Duration {
        guard qps > 0 else { return .zero }
        let seconds = (now - origin) / .seconds(1)
        return bucket.withLock { $0.reserve(at: seconds) }
    }

    /// Gives back a reserved token (the caller was cancelled before using it).
    public func release() {
        bucket.withLock { $0.refund() }
    }

    /// Waits for a token; throws `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        let delay = reserve()
        guard delay > .zero else { return }
        do {
            try await Task.sleep(for: delay)
        } catch {
            release()
            throw error
        }
    }
}
