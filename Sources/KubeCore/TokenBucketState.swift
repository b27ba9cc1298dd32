/// The arithmetic of a token bucket (golang.org/x/time/rate): `burst` tokens, refilled at
/// `ratePerSecond`. The project's one implementation, shared by the client's request limiter, the
/// work queue's overall limiter and the event recorder's spam filter; each keeps it under its own
/// lock and reads its own clock, given here as seconds since any fixed origin.
public struct TokenBucketState: Sendable, Equatable {
    public let ratePerSecond: Double
    public let burst: Double
    public private(set) var tokens: Double
    private var last: Double?

    /// A full bucket. A non-positive or non-finite rate never refills; a burst below 1 is 1.
    public init(ratePerSecond: Double, burst: Int) {
        self.ratePerSecond = ratePerSecond.isFinite ? max(ratePerSecond, 0) : 0
        self.burst = Double(max(1, burst))
        tokens = self.burst
    }

    /// Refills for the time since the last call. A clock that went backwards refills nothing and
    /// keeps the later reading, so a jump back and forth cannot refill twice.
    public mutating func advance(to now: Double) {
        guard now.isFinite else { return }
        if let last {
            guard now > last else { return }
            tokens = min(burst, tokens + (now - last) * ratePerSecond)
        }
        last = now
    }

    /// Takes a token, going into debt if none is left, and returns how long until the debt is
    /// covered (zero when a token was there). Saturates instead of trapping for tiny rates.
    public mutating func reserve(at now: Double) -> Duration {
        advance(to: now)
        tokens -= 1
        guard tokens < 0 else { return .zero }
        guard ratePerSecond > 0 else { return .nanoseconds(Int64.max) }
        let nanoseconds = (-tokens / ratePerSecond) * 1e9
        return nanoseconds < 9.2e18 ? .nanoseconds(Int64(nanoseconds)) : .nanoseconds(Int64.max)
    }

    /// Takes a token only if a whole one is available.
    public mutating func take(at now: Double) -> Bool {
        advance(to: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Gives back a reserved token that was not used (its caller was cancelled).
    public mutating func refund() {
        tokens = min(burst, tokens + 1)
    }
}
