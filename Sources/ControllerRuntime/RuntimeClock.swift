import KubeCore

/// Monotonic time for the work queue and rate limiters, injectable so tests advance time by hand.
public protocol RuntimeClock: Sendable {
    /// Time since an arbitrary fixed origin.
    func now() -> Duration
    /// Suspends until `now() >= deadline`; throws on cancellation.
    func sleep(until deadline: Duration) async throws
}

/// The real clock, over `ContinuousClock`.
public struct SystemClock: RuntimeClock {
    private let origin = ContinuousClock.now
    public init() {}
    public func now() -> Duration { ContinuousClock.now - origin }
    public func sleep(until deadline: Duration) async throws {
        try await Task.sleep(until: origin + deadline, clock: .continuous)
    }
}

/// A clock that only moves when `advance(by:)` is called: deterministic tests without sleeps.
public final class ManualClock: RuntimeClock {
    private struct State {
        var now: Duration = .zero
        /// Sleepers, resumed with true when their deadline is reached (false: cancelled).
        var sleepers = Waiters<Bool>()
        var deadlines: [Int: Duration] = [:]
    }
    private let state = LockedState(State())

    public init() {}

    public func now() -> Duration { state.withLock { $0.now } }

    /// Number of tasks currently sleeping on this clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func advance(by delta: Duration) {
        let due = state.withLock { state in
            state.now += delta
            let now = state.now
            let due = state.sleepers.removeAll { id in state.deadlines[id].map { $0 <= now } ?? true }
            for waiter in due { state.deadlines[waiter.id] = nil }
            return due
        }
        for sleeper in due { sleeper.resume(returning: true) }
    }

    public func sleep(until deadline: Duration) async throws {
        var queuedAs: Int?
        let fired = await state.suspend(
            in: \.sleepers, ready: { $0.now >= deadline ? true : nil }, ifCancelled: false,
            registered: { id, state in
                queuedAs = id
                state.deadlines[id] = deadline
            })
        guard fired else {
            if let id = queuedAs { state.withLock { _ = $0.deadlines.removeValue(forKey: id) } }
            throw CancellationError()
        }
    }
}
