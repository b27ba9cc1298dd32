import Logging

/// Jittered exponential backoff (client-go's reflector: 800 ms → 30 s, reset after 2 healthy minutes).
/// The first delays may be short; the ceiling is at least `DelayFloor.minimum`, so a failure that
/// lasts is retried at most about once a second.
public struct Backoff: Sendable {
    public var initial: Duration
    public var max: Duration
    public var factor: Double
    /// Each delay is stretched by a random fraction up to `jitter` (1.0 = up to double).
    public var jitter: Double
    /// After this long without a failure, the next failure starts again from `initial`.
    public var resetAfter: Duration

    private var current: Duration?
    private var lastFailure: ContinuousClock.Instant?

    public init(initial: Duration = .milliseconds(800), max: Duration = .seconds(30), factor: Double = 2,
                jitter: Double = 1.0, resetAfter: Duration = .seconds(120)) {
        self.initial = initial
        self.max = DelayFloor.clamped(max, "backoff ceiling", logger: Logger(label: "controller-runtime.backoff"))
        self.factor = factor
        self.jitter = jitter
        self.resetAfter = resetAfter
    }

    /// The delay before the next attempt; grows on each call.
    public mutating func next() -> Duration {
        let now = ContinuousClock.now
        if let lastFailure, now - lastFailure > resetAfter { current = nil }
        lastFailure = now
        let base: Duration
        if let current {
            let grown = current * factor
            base = grown > max ? max : grown
        } else {
            base = initial
        }
        current = base
        let stretch = jitter > 0 ? Double.random(in: 0...jitter) : 0
        return base + base * stretch
    }

    public mutating func reset() {
        current = nil
        lastFailure = nil
    }
}
