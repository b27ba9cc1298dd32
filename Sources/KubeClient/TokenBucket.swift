import KubeCore

/// Client-side rate limiter: a token bucket of `burst` tokens refilled at `qps` per second
/// (client-go's `flowcontrol.NewTokenBucketRateLimiter`).
///
/// Callers reserve a token and sleep for the returned delay, so waiting needs no lock and is cancellable.
public final class TokenBucket: Sendable {
    public let qps: Double
    public let burst: Int

    private struct State {
        var tokens: Double
        var last: ContinuousClock.Instant
    }

    private let state: LockedState<State>

    public init(qps: Double, burst: Int, now: ContinuousClock.Instant = .now) {
        self.qps = qps
        self.burst = max(1, burst)
        state = LockedState(State(tokens: Double(max(1, burst)), last: now))
    }

    /// Takes one token (possibly going into debt) and returns how long the caller must wait.
    /// A non-positive `qps` disables limiting.
    public func reserve(now: ContinuousClock.Instant = .now) -> Duration {
        guard qps > 0 else { return .zero }
        return state.withLock { state in
            let elapsed = now - state.last
            if elapsed > .zero {
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                state.tokens = min(Double(burst), state.tokens + seconds * qps)
                state.last = now
            }
            state.tokens -= 1
            if state.tokens >= 0 { return .zero }
            // A tiny qps makes the wait huge (or infinite): saturate rather than trap on conversion.
            let nanos = (-state.tokens / qps) * 1e9
            return nanos < 9.2e18 ? .nanoseconds(Int64(nanos)) : .nanoseconds(Int64.max)
        }
    }

    /// Gives back a reserved token (the caller was cancelled before using it).
    public func release() {
        state.withLock { $0.tokens = min(Double(burst), $0.tokens + 1) }
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
