
/// A value delivered once from any thread and awaited from async code: the first delivery wins and
/// later ones are ignored (a result raced against a deadline or a cancellation). The project's one
/// waiter of this kind.
public final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var delivered = false
        var waiters: [CheckedContinuation<Value, Never>] = []
    }
    private let state = LockedState(State())

    public init() {}

    public func deliver(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, Never>] in
            guard !state.delivered else { return [] }
            state.delivered = true
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    public func wait() async -> Value {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Value? in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
