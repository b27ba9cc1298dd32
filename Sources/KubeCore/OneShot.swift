/// A value delivered once from any thread and awaited from async code: the first delivery wins and
/// later ones are ignored (a result raced against a deadline or a cancellation, a port once bound, a
/// cache once synced). The project's one waiter of this kind.
public final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
        var cancellable: [Int: CheckedContinuation<Value?, Never>] = [:]
        /// Waiters whose cancellation ran before they registered.
        var cancelledEarly: Set<Int> = []
        var nextID = 0
    }
    private let state = LockedState(State())

    public init() {}

    public var isDelivered: Bool { state.withLock { $0.value != nil } }

    public func deliver(_ value: Value) {
        let (waiters, cancellable) = state.withLock { state -> ([CheckedContinuation<Value, Never>], [CheckedContinuation<Value?, Never>]) in
            guard state.value == nil else { return ([], []) }
            state.value = value
            defer {
                state.waiters = []
                state.cancellable = [:]
            }
            return (state.waiters, Array(state.cancellable.values))
        }
        for waiter in waiters { waiter.resume(returning: value) }
        for waiter in cancellable { waiter.resume(returning: value) }
    }

    /// Waits for the value, however long; cancellation does not end the wait.
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

    /// Waits for the value; nil as soon as this task is cancelled (other waiters keep waiting).
    public func waitUnlessCancelled() async -> Value? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
                let ready = state.withLock { state -> Value?? in
                    if let value = state.value { return .some(value) }
                    if state.cancelledEarly.remove(id) != nil { return .some(nil) }
                    state.cancellable[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Value?, Never>? in
                if let waiter = state.cancellable.removeValue(forKey: id) { return waiter }
                if state.value == nil { state.cancelledEarly.insert(id) }
                return nil
            }
            waiter?.resume(returning: nil)
        }
    }
}
