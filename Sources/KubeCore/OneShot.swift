/// A value delivered once from any thread and awaited from async code: the first delivery wins and
/// later ones are ignored (a result raced against a deadline or a cancellation, a port once bound, a
/// cache once synced).
public final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters = Waiters<Value>()
        var cancellable = Waiters<Value?>()
    }
    private let state = LockedState(State())

    public init() {}

    public var isDelivered: Bool { state.withLock { $0.value != nil } }

    public func deliver(_ value: Value) {
        let (waiters, cancellable) = state.withLock { state -> ([Waiters<Value>.Waiter], [Waiters<Value?>.Waiter]) in
            guard state.value == nil else { return ([], []) }
            state.value = value
            return (state.waiters.removeAll(), state.cancellable.removeAll())
        }
        for waiter in waiters { waiter.resume(returning: value) }
        for waiter in cancellable { waiter.resume(returning: value) }
    }

    /// Waits for the value, however long; cancellation does not end the wait.
    public func wait() async -> Value {
        await state.suspend(in: \.waiters, ready: { $0.value })
    }

    /// Waits for the value; nil as soon as this task is cancelled (other waiters keep waiting).
    public func waitUnlessCancelled() async -> Value? {
        await state.suspend(in: \.cancellable, ready: { $0.value.map { .some($0) } }, ifCancelled: .some(nil))
    }
}
