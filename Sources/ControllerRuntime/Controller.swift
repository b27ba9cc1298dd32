import Logging
import Synchronization

/// Runs a `Reconciler` over keys from a work queue with N workers (controller-runtime's `Controller`).
///
/// The queue guarantees one key is never reconciled by two workers at once. Errors and `.requeue`
/// go back through the rate limiter; `.requeueAfter` waits the given time, at least
/// `DelayFloor.minimum`; `.done` forgets the key.
public final class Controller<Key: Hashable & Sendable>: Sendable {
    public let name: String
    public let queue: WorkQueue<Key>
    public let maxConcurrentReconciles: Int
    private let reconciler: any Reconciler<Key>
    private let metrics: ControllerMetrics?
    private let clock: any RuntimeClock
    private let logger: Logger
    private let active = Atomic<Int>(0)

    public init(name: String, reconciler: any Reconciler<Key>, maxConcurrentReconciles: Int = 1,
                registry: MetricsRegistry? = nil, clock: any RuntimeClock = SystemClock(),
                rateLimiter: (any RateLimiter<Key>)? = nil, logger: Logger? = nil) {
        self.name = name
        self.reconciler = reconciler
        self.maxConcurrentReconciles = max(1, maxConcurrentReconciles)
        self.clock = clock
        self.metrics = registry.map { ControllerMetrics(registry: $0, controller: name) }
        self.queue = WorkQueue(name: name, clock: clock, rateLimiter: rateLimiter,
                               metrics: registry.map { WorkQueueMetrics(registry: $0, name: name, controller: name) })
        self.logger = logger ?? Logger(label: "controller.\(name)")
        metrics?.maxConcurrent.set(Double(self.maxConcurrentReconciles))
        metrics?.activeWorkers.set(Double(0))
    }

    /// Queues a key for reconciliation.
    public func enqueue(_ key: Key) { queue.add(key) }

    /// Feeds a source (informer events, a `Broadcaster`'s stream) into the queue, each value mapped
    /// to the keys it concerns; ends when the stream ends or the task is cancelled.
    public func watch<Value: Sendable>(_ source: AsyncStream<Value>, map: @escaping @Sendable (Value) -> [Key]) async {
        for await value in source {
            for key in map(value) { queue.add(key) }
        }
    }

    /// Feeds informer events through predicates into the queue (controller-runtime's
    /// `Watches(source, handler, predicates)`).
    public func watch<Object: Sendable>(_ events: AsyncStream<InformerEvent<Object>>,
                                        predicates: [Predicate<Object>] = [],
                                        map: @escaping @Sendable (InformerEvent<Object>) -> [Key]) async {
        await watch(events) { event in predicates.allSatisfy { $0.accepts(event) } ? map(event) : [] }
    }

    /// As `watch(_:predicates:map:)` for a source that delivers events in batches (a
    /// `Broadcaster`'s `batches()`, a relist's slices): each event passes the predicates on its
    /// own, and a key the batch maps to is queued once.
    public func watch<Object: Sendable>(batches: AsyncStream<[InformerEvent<Object>]>,
                                        predicates: [Predicate<Object>] = [],
                                        map: @escaping @Sendable (InformerEvent<Object>) -> [Key]) async {
        for await batch in batches {
            var queued = Set<Key>()
            for event in batch where predicates.allSatisfy({ $0.accepts(event) }) {
                for key in map(event) where queued.insert(key).inserted { queue.add(key) }
            }
        }
    }

    /// Runs the workers until the task is cancelled; then shuts the queue down and waits for
    /// in-flight reconciles to finish.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<maxConcurrentReconciles {
                group.addTask { await self.worker() }
            }
            group.addTask {
                // Periodic unfinished-work gauges; also notices cancellation and stops the queue.
                while !Task.isCancelled {
                    self.queue.updateUnfinishedWorkMetrics()
                    try? await Task.sleep(for: .milliseconds(500))
                }
                self.queue.shutDown()
            }
            await withTaskCancellationHandler {
                await group.waitForAll()
            } onCancel: {
                self.queue.shutDown()
            }
        }
    }

    private func worker() async {
        while let key = await queue.get() {
            await process(key)
            queue.done(key)
        }
    }

    private func process(_ key: Key) async {
        active.add(1, ordering: .relaxed)
        metrics?.activeWorkers.increment(by: 1)
        let start = clock.now()
        defer {
            metrics?.reconcileTime.record((clock.now() - start) / .seconds(1))
            metrics?.activeWorkers.decrement(by: 1)
            active.subtract(1, ordering: .relaxed)
        }
        do {
            let result = try await reconciler.reconcile(key)
            switch result {
            case .done:
                queue.forget(key)
                metrics?.success.increment()
            case .requeue:
                queue.addRateLimited(key)
                metrics?.requeue.increment()
            case .requeueAfter(let delay):
                queue.forget(key)
                queue.addAfter(key, DelayFloor.clamped(delay, "requeueAfter of controller \(name)", logger: logger))
                metrics?.requeueAfter.increment()
            }
        } catch {
            if queue.isShuttingDown, error is CancellationError { return }
            logger.error("Reconciler error", metadata: ["key": "\(key)", "error": "\(error)"])
            queue.addRateLimited(key)
            metrics?.error.increment()
            metrics?.errors.increment()
        }
    }

    /// Reconciles in progress right now.
    public var activeWorkers: Int { active.load(ordering: .relaxed) }
}
