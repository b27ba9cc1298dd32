import KubeCore
import Logging
import Synchronization

/// A cache of one resource kept current from the API server, with change notifications (client-go's
/// SharedInformer): a `Watcher` (LIST + WATCH, backoff, 410) feeding a `Reflector` (the `Store`)
/// whose changes a `Broadcaster` fans out to subscribers. Each part is usable alone.
///
/// The raw JSON of each object is dropped right after `transform`; only the projection is cached.
/// A `nil` from `transform` means "do not cache" (and removes an object that no longer qualifies).
public final class Informer<Object: Sendable>: Sendable {
    public let resource: GroupVersionResource
    public let watcher: Watcher<Object>
    public let reflector: Reflector<Object>
    public var store: Store<Object> { reflector.store }
    private let changes = Broadcaster<InformerEvent<Object>>()
    /// Delivered once the first LIST's changes have been handed to subscribers.
    private let syncedSignal = OneShot<Void>()
    private let syncedFlag = Atomic<Bool>(false)
    private let logger: Logger

    /// Watch failures in a row (with no event in between) before the cache counts as failing.
    public static var watchFailureThreshold: Int { Watcher<Object>.watchFailureThreshold }

    public convenience init(api: any KubeAPI, resource: GroupVersionResource, options: WatcherOptions = WatcherOptions(),
                            logger: Logger? = nil, transform: @escaping @Sendable (JSONValue) -> Object?) {
        self.init(api: api, resource: resource, options: options, logger: logger, transform: transform,
                  listTransform: { transform($0.value) })
    }

    /// With a `listTransform` for LIST items read from the page's document (`Watcher`).
    public init(api: any KubeAPI, resource: GroupVersionResource, options: WatcherOptions = WatcherOptions(),
                logger: Logger? = nil, transform: @escaping @Sendable (JSONValue) -> Object?,
                listTransform: @escaping @Sendable (JSONNode) -> Object?) {
        self.resource = resource
        let logger = logger ?? Logger(label: "informer.\(resource)")
        self.logger = logger
        self.watcher = Watcher(api: api, resource: resource, options: options, logger: logger,
                               transform: transform, listTransform: listTransform)
        self.reflector = Reflector()
    }

    // MARK: subscribing

    /// A stream of changes. With `replay`, it starts with an `.added` for every cached object.
    public func events(replay: Bool = true) -> AsyncStream<InformerEvent<Object>> {
        changes.stream(replay: { replay ? store.list().map { .added($0) } : [] })
    }

    /// A callback for every change, called on the informer's task in the order of the changes, with
    /// no informer lock held (keep it short: the next change waits for it). The replay runs under
    /// the broadcaster's lock, so no later change can overtake it.
    public func addHandler(replay: Bool = true, _ handler: @escaping @Sendable (InformerEvent<Object>) -> Void) {
        changes.addHandler(replay: { replay ? store.list().map { .added($0) } : [] }, handler)
    }

    /// As `addHandler`, with each set of changes at once: a relist's (the store swapped whole; in
    /// slices of 1,024, see `Broadcaster.publish`), or a watch event's one.
    public func addBatchHandler(replay: Bool = true, _ handler: @escaping @Sendable ([InformerEvent<Object>]) -> Void) {
        changes.addBatchHandler(replay: { replay ? store.list().map { .added($0) } : [] }, handler)
    }

    // MARK: state

    /// Lock-free, so handlers may read it.
    public var hasSynced: Bool { syncedFlag.load(ordering: .acquiring) }

    /// Returns once the first LIST has been applied to the store (or at once when cancelled).
    public func waitForSync() async {
        _ = await syncedSignal.waitUnlessCancelled()
    }

    /// LIST calls made so far (each page counts once).
    public var listCount: Int { watcher.listCount }
    /// WATCH calls made so far.
    public var watchCount: Int { watcher.watchCount }
    /// The last resourceVersion applied.
    public var lastSyncResourceVersion: String { watcher.lastSyncResourceVersion }
    /// Non-nil while the cache cannot be kept up to date (see `Watcher.failure`); the store keeps
    /// its last contents meanwhile.
    public var failure: String? { watcher.failure }
    /// The last list/watch error, kept until the watch delivers again.
    public var lastError: String? { watcher.lastError }

    /// See `Watcher.onHealthChange`.
    public func onHealthChange(_ handler: @escaping @Sendable (_ failing: Bool) -> Void) {
        watcher.onHealthChange(handler)
    }

    /// Synced and watching: the cache is not known to be behind.
    public var isLive: Bool { hasSynced && watcher.isWatching }

    /// See `Watcher.freshnessChanges`: what `satisfies` and `failure` answer may have changed.
    public var freshnessChanges: ChangeSignal { watcher.freshnessChanges }

    /// Whether the cache meets `requirement` now.
    public func satisfies(_ requirement: CacheRequirement) -> Bool {
        hasSynced && watcher.covers(requirement)
    }

    /// See `Watcher.requestRelist(after:)`.
    public func requestRelist(after instant: ContinuousClock.Instant) {
        watcher.requestRelist(after: instant)
    }

    // MARK: running

    /// Lists and watches until the task is cancelled; then ends every subscriber stream.
    public func run() async {
        await watcher.run { [self] event in
            switch event {
            case .initStarted, .initApply:
                reflector.apply(event)
            case .initDone:
                // Synced as the store is swapped (handlers hear of the first LIST as synced), and
                // announced to `waitForSync` once its changes are delivered.
                var first = false
                var count = 0
                changes.publish {
                    let changed = reflector.apply(event)
                    first = !self.syncedFlag.exchange(true, ordering: .acquiringAndReleasing)
                    count = changed.count
                    return changed
                }
                if first { syncedSignal.deliver(()) }
                if count >= FreeMemoryRelease.minimumObjects {
                    let took = FreeMemoryRelease.run()
                    logger.debug("released free heap memory after a relist",
                                 metadata: ["resource": "\(resource)", "objects": "\(count)", "took": "\(took)"])
                }
            case .applied, .deleted:
                changes.publish { reflector.apply(event) }
            }
        }
        changes.finish()
    }
}
