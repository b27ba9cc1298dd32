/// A change counter tasks wait on instead of polling: the owner bumps it at each change, a reader
/// notes `version`, checks what it needs and, if that does not hold yet, waits until the version
/// moves past the one it noted (a bump between its read and its wait is not missed).
public final class ChangeSignal: Sendable {
    private struct State {
        var version: UInt64 = 0
        var waiters = Waiters<UInt64?>()
    }
    private let state = LockedState(State())

    public init() {}

    public var version: UInt64 { state.withLock { $0.version } }

    /// A change: every waiting task resumes.
    public func bump() {
        let (waiters, version) = state.withLock { state -> ([Waiters<UInt64?>.Waiter], UInt64) in
            state.version &+= 1
            return (state.waiters.isEmpty ? [] : state.waiters.removeAll(), state.version)
        }
        for waiter in waiters { waiter.resume(returning: version) }
    }

    /// The version once it differs from `seen`; nil as soon as this task is cancelled.
    public func wait(past seen: UInt64) async -> UInt64? {
        await state.suspend(in: \.waiters, ready: { state -> UInt64?? in state.version != seen ? .some(state.version) : nil },
                            ifCancelled: .some(nil))
    }

    /// Returns once any of `signals` moved past the version noted with it, at `deadline`, or when
    /// this task is cancelled, whichever comes first.
    public static func waitForAny(_ signals: [(signal: ChangeSignal, seen: UInt64)], until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            for (signal, seen) in signals {
                group.addTask { _ = await signal.wait(past: seen) }
            }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }
}
