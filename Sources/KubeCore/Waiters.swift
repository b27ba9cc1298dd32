/// Tasks suspended until their owner hands them a value, kept in the owner's `LockedState` in
/// arrival order: a work queue's idle workers, a manual clock's sleepers, the waiters of a
/// `OneShot`. With `LockedState.suspend(in:ready:ifCancelled:)` this is the project's one
/// implementation of "take it now if it is there, else wait; a cancelled task stops waiting".
public struct Waiters<Value: Sendable>: Sendable {
    public struct Waiter: Sendable {
        public let id: Int
        fileprivate let continuation: CheckedContinuation<Value, Never>

        public func resume(returning value: Value) { continuation.resume(returning: value) }
    }

    private var queue: [Waiter] = []
    /// Waiters whose cancellation ran before they were queued.
    private var cancelledEarly: Set<Int> = []
    private var nextID = 0

    public init() {}

    public var isEmpty: Bool { queue.isEmpty }
    public var count: Int { queue.count }

    /// The waiter that has waited longest. Resume it once the lock is released.
    public mutating func popFirst() -> Waiter? {
        queue.isEmpty ? nil : queue.removeFirst()
    }

    /// Every waiter matching `predicate` (by id), in arrival order. Resume them once the lock is released.
    public mutating func removeAll(where predicate: (_ id: Int) -> Bool = { _ in true }) -> [Waiter] {
        var removed: [Waiter] = []
        queue.removeAll { waiter in
            guard predicate(waiter.id) else { return false }
            removed.append(waiter)
            return true
        }
        return removed
    }

    fileprivate mutating func makeID() -> Int {
        nextID += 1
        return nextID
    }

    /// Queues the waiter unless it was cancelled already (then false).
    fileprivate mutating func enqueue(_ waiter: Waiter) -> Bool {
        if cancelledEarly.remove(waiter.id) != nil { return false }
        queue.append(waiter)
        return true
    }

    /// Removes a cancelled waiter, or remembers the cancellation if it is not queued yet.
    fileprivate mutating func cancel(_ id: Int) -> Waiter? {
        if let index = queue.firstIndex(where: { $0.id == id }) { return queue.remove(at: index) }
        cancelledEarly.insert(id)
        return nil
    }

    /// Forgets an early cancellation that no longer matters (the waiter found its value first).
    fileprivate mutating func settle(_ id: Int) {
        cancelledEarly.remove(id)
    }
}

extension LockedState {
    /// Returns `ready(&state)` if it gives a value; else waits in `state[keyPath: waiters]` until the
    /// owner resumes this waiter. With `ifCancelled`, cancelling the task ends the wait with that
    /// value; without, cancellation does not end it. `registered` runs under the lock when the
    /// waiter is queued (to note what it waits for, by its id).
    public func suspend<Element: Sendable>(
        in waiters: any WritableKeyPath<Value, Waiters<Element>> & Sendable,
        ready: (inout Value) -> Element?,
        ifCancelled: Element? = nil,
        registered: (_ id: Int, inout Value) -> Void = { _, _ in }
    ) async -> Element {
        if let value = withLock({ ready(&$0) }) { return value }
        let id = withLock { $0[keyPath: waiters].makeID() }
        func wait() async -> Element {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element, Never>) in
                let value: Element? = self.withLock { state in
                    if let value = ready(&state) {
                        state[keyPath: waiters].settle(id)
                        return value
                    }
                    guard state[keyPath: waiters].enqueue(Waiters.Waiter(id: id, continuation: continuation)) else { return ifCancelled }
                    registered(id, &state)
                    return nil
                }
                if let value { continuation.resume(returning: value) }
            }
        }
        guard let ifCancelled else { return await wait() }
        return await withTaskCancellationHandler {
            await wait()
        } onCancel: {
            self.withLock { $0[keyPath: waiters].cancel(id) }?.resume(returning: ifCancelled)
        }
    }
}
