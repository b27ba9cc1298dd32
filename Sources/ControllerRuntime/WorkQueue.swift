import KubeCore
import DequeModule

/// A de-duplicating, delaying, rate-limited work queue (client-go's `workqueue`).
///
/// - An item is never handed to two workers at once: an item added while it is being
///   processed is marked dirty and re-queued by `done`.
/// - `addAfter` holds items until the (injectable) clock reaches their time.
/// - `addRateLimited` asks the rate limiter for the delay.
/// - `get` returns nil once the queue is shut down (and, with drain, empty).
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    private struct State {
        var queue = Deque<Key>()
        var dirty = Set<Key>()
        var processing = Set<Key>()
        var enqueuedAt: [Key: Duration] = [:]
        var startedAt: [Key: Duration] = [:]
        var delayed: [Key: Duration] = [:]
        /// Idle `get`s; they exist only while the queue is empty.
        var waiters = Waiters<Key?>()
        var shuttingDown = false
        var timerDeadline: Duration?
        var timer: Task<Void, Never>?
        var drainWaiters = Waiters<Void>()
    }

    public let name: String
    private let clock: any RuntimeClock
    private let rateLimiter: any RateLimiter<Key>
    private let metrics: WorkQueueMetrics?
    private let state = LockedState(State())

    public init(name: String = "", clock: any RuntimeClock = SystemClock(), rateLimiter: (any RateLimiter<Key>)? = nil,
                metrics: WorkQueueMetrics? = nil) {
        self.name = name
        self.clock = clock
        self.rateLimiter = rateLimiter ?? MaxOfRateLimiter<Key>.controllerDefault(clock: clock)
        self.metrics = metrics
    }

    // MARK: adding

    /// Queues the item unless it is already queued; if it is being processed it is queued again after `done`.
    public func add(_ item: Key) {
        let now = clock.now()
        let waiter = state.withLock { state in
            insert(item, now: now, into: &state)
            return popForWaiter(now: now, &state)
        }
        if let (waiter, key) = waiter { waiter.resume(returning: key) }
    }

    /// Queues the item once `delay` has elapsed; an earlier pending time for the same item wins.
    public func addAfter(_ item: Key, _ delay: Duration) {
        if delay <= .zero {
            add(item)
            return
        }
        let readyAt = clock.now() + delay
        let replaced: Task<Void, Never>? = state.withLock { state in
            guard !state.shuttingDown else { return nil }
            if let existing = state.delayed[item], existing <= readyAt { return nil }
            state.delayed[item] = readyAt
            if let deadline = state.timerDeadline, deadline <= readyAt { return nil }
            return armTimer(readyAt, &state)
        }
        replaced?.cancel()
    }

    /// Queues the item after the rate limiter's delay (a retry).
    public func addRateLimited(_ item: Key) {
        metrics?.retries.increment()
        addAfter(item, rateLimiter.when(item))
    }

    /// Clears the item's failure history.
    public func forget(_ item: Key) { rateLimiter.forget(item) }

    public func numRequeues(_ item: Key) -> Int { rateLimiter.numRequeues(item) }

    // MARK: processing

    /// The next item, waiting if none is ready; nil when shut down (after draining, if draining).
    public func get() async -> Key? {
        await state.suspend(in: \.waiters, ready: { state -> Key?? in
            let now = clock.now()
            promoteDue(now: now, &state)
            if let key = popFront(now: now, &state) { return .some(key) }
            if state.shuttingDown { return .some(nil) }
            return .none
        }, ifCancelled: .some(nil))
    }

    /// Marks the item finished; if it was added meanwhile it goes back on the queue.
    public func done(_ item: Key) {
        let now = clock.now()
        let (waiter, drained) = state.withLock { state in
            state.processing.remove(item)
            if let started = state.startedAt.removeValue(forKey: item) {
                metrics?.workDuration.record((now - started) / .seconds(1))
            }
            if state.dirty.contains(item), !state.shuttingDown {
                state.queue.append(item)
                state.enqueuedAt[item] = now
                metrics?.depth.set(Double(state.queue.count))
            }
            let drained = state.processing.isEmpty && state.queue.isEmpty ? state.drainWaiters.removeAll() : []
            return (popForWaiter(now: now, &state), drained)
        }
        if let (waiter, key) = waiter { waiter.resume(returning: key) }
        for waiter in drained { waiter.resume(returning: ()) }
    }

    // MARK: shutdown

    /// Stops accepting items, drops queued and delayed ones and wakes every waiting `get` with nil.
    public func shutDown() { beginShutDown(drain: false) }

    /// Stops accepting items, lets workers take what is already queued, and returns once the
    /// queue is empty and every item being processed is `done`.
    public func shutDownWithDrain() async {
        beginShutDown(drain: true)
        await state.suspend(in: \.drainWaiters, ready: { state in state.processing.isEmpty && state.queue.isEmpty ? () : nil })
    }

    private func beginShutDown(drain: Bool) {
        let (waiters, timer) = state.withLock { state in
            state.shuttingDown = true
            state.delayed.removeAll()
            state.dirty.removeAll()
            if !drain {
                state.queue.removeAll()
                state.enqueuedAt.removeAll()
                metrics?.depth.set(Double(0))
            }
            // Waiters only exist while the queue is empty, so waking them with nil loses nothing.
            let waiters = state.waiters.removeAll()
            let timer = state.timer
            state.timer = nil
            return (waiters, timer)
        }
        timer?.cancel()
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// Items ready to be handed out (not counting delayed or in-flight items).
    public var count: Int { state.withLock { $0.queue.count } }
    public var delayedCount: Int { state.withLock { $0.delayed.count } }
    public var processingCount: Int { state.withLock { $0.processing.count } }

    /// Refreshes `unfinished_work_seconds` and `longest_running_processor_seconds`
    /// (controller-runtime does this every 500 ms).
    public func updateUnfinishedWorkMetrics() {
        guard let metrics else { return }
        let now = clock.now()
        let (total, longest) = state.withLock { state in
            var total = 0.0
            var longest = 0.0
            for started in state.startedAt.values {
                let seconds = (now - started) / .seconds(1)
                total += seconds
                longest = max(longest, seconds)
            }
            return (total, longest)
        }
        metrics.unfinishedWork.set(total)
        metrics.longestRunning.set(longest)
    }

    // MARK: internals (called with the lock held)

    private func insert(_ item: Key, now: Duration, into state: inout State) {
        guard !state.shuttingDown else { return }
        if state.dirty.contains(item) { return }
        // Like client-go, only adds that are not de-duplicated count.
        metrics?.adds.increment()
        state.dirty.insert(item)
        if state.processing.contains(item) { return }
        state.queue.append(item)
        state.enqueuedAt[item] = now
        metrics?.depth.set(Double(state.queue.count))
    }

    private func popFront(now: Duration, _ state: inout State) -> Key? {
        guard let item = state.queue.popFirst() else { return nil }
        state.dirty.remove(item)
        state.processing.insert(item)
        state.startedAt[item] = now
        if let enqueued = state.enqueuedAt.removeValue(forKey: item) {
            metrics?.queueDuration.record((now - enqueued) / .seconds(1))
        }
        metrics?.depth.set(Double(state.queue.count))
        return item
    }

    private func popForWaiter(now: Duration, _ state: inout State) -> (Waiters<Key?>.Waiter, Key)? {
        guard !state.waiters.isEmpty, let key = popFront(now: now, &state), let waiter = state.waiters.popFirst() else {
            return nil
        }
        return (waiter, key)
    }

    private func promoteDue(now: Duration, _ state: inout State) {
        guard !state.delayed.isEmpty else { return }
        let due = state.delayed.filter { $0.value <= now }.sorted { $0.value < $1.value }
        for (item, _) in due {
            state.delayed.removeValue(forKey: item)
            insert(item, now: now, into: &state)
        }
    }

    /// Arms the timer to wake at `deadline`, replacing the current one; returns the replaced timer,
    /// to cancel once the lock is released. Deciding and installing under one lock hold matters:
    /// two callers arming outside it could install in the opposite order and let a later deadline
    /// cancel the timer of an earlier one, leaving an item waiting past its time.
    private func armTimer(_ deadline: Duration, _ state: inout State) -> Task<Void, Never>? {
        let clock = self.clock
        let task = Task { [weak self] in
            do { try await clock.sleep(until: deadline) } catch { return }
            self?.fireTimer()
        }
        let previous = state.timer
        state.timer = task
        state.timerDeadline = deadline
        return previous
    }

    private func fireTimer() {
        let now = clock.now()
        let (ready, replaced): ([(Waiters<Key?>.Waiter, Key)], Task<Void, Never>?) = state.withLock { state in
            promoteDue(now: now, &state)
            var ready: [(Waiters<Key?>.Waiter, Key)] = []
            while let pair = popForWaiter(now: now, &state) { ready.append(pair) }
            var replaced: Task<Void, Never>?
            if !state.shuttingDown, let next = state.delayed.values.min() {
                replaced = armTimer(next, &state)
            } else {
                replaced = state.timer
                state.timer = nil
                state.timerDeadline = nil
            }
            return (ready, replaced)
        }
        // The replaced timer is this one (already awake) or a stale one that must not fire again.
        replaced?.cancel()
        for (waiter, key) in ready { waiter.resume(returning: key) }
    }
}
