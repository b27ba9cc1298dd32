import KubeCore
import Logging
import Synchronization

/// How an informer lists and watches.
public struct InformerOptions: Sendable {
    /// Only this namespace (nil: all namespaces).
    public var namespace: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    /// LIST page size.
    public var pageSize: Int
    /// Server-side watch timeout, picked at random in this range for each watch (client-go: 5–10 min).
    public var watchTimeoutSeconds: ClosedRange<Int>
    /// Delay before retrying after an error (client-go: 800 ms doubling to 30 s, jittered).
    public var backoff: Backoff
    /// Delay before relisting after `410 Gone`: spreads the relists of every informer (and replica)
    /// after a compaction, without inheriting an error backoff grown to half a minute.
    public var expiryBackoff: Backoff

    public init(namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int = 500,
                watchTimeoutSeconds: ClosedRange<Int> = 300...600, backoff: Backoff = Backoff(),
                expiryBackoff: Backoff = Backoff(initial: .milliseconds(200), max: .seconds(5))) {
        self.expiryBackoff = expiryBackoff
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.pageSize = pageSize
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.backoff = backoff
    }
}

/// Lists then watches one resource, keeps a `Store` of transformed objects and tells subscribers
/// about every change (kube-rs watcher + reflector, client-go's SharedInformer).
///
/// The raw JSON of each object is dropped right after `transform`; only the projection is cached.
/// A `nil` from `transform` means "do not cache" (and removes an object that no longer qualifies).
/// LISTs happen only at start, after a 410 Gone, or after an error; otherwise the watch resumes
/// from the last seen resourceVersion (bookmarks keep it fresh).
public final class Informer<Object: Sendable>: Sendable {
    public let resource: GroupVersionResource
    public let store = Store<Object>()
    private let api: any KubeAPI
    private let options: InformerOptions
    private let transform: @Sendable (JSONValue) -> Object?
    private let logger: Logger

    /// A subscriber sees the events numbered after `since`: those before are in its replay.
    private struct Subscriber {
        var since: UInt64
        var stream: AsyncStream<InformerEvent<Object>>.Continuation?
        var handler: (@Sendable (InformerEvent<Object>) -> Void)?
    }
    private struct Subscribers {
        var nextID = 0
        var all: [Int: Subscriber] = [:]
        /// Number of the last store change; changes and subscriptions are ordered by it.
        var sequence: UInt64 = 0
        var synced = false
    }
    /// Store changes are numbered and subscriptions taken under this lock; handlers are called
    /// after it is released (only the informer's task changes the store, so the order holds).
    private let subscribers = LockedState(Subscribers())
    /// Delivered once the first LIST's events have been handed to subscribers.
    private let syncedSignal = OneShot<Void>()
    private let freshness = LockedState(Freshness())

    /// Whether the loop is watching, and what the last LIST covered (see `CacheRequirement`).
    private struct Freshness {
        /// When the running watch was started after the last interruption; nil while listing or backing off.
        var upSince: ContinuousClock.Instant?
        /// The cache missed or may have missed events (error, 410) and has not watched since.
        var disrupted = false
        /// Start of the last LIST that completed: its snapshot has every change accepted before.
        var lastListStartedAt: ContinuousClock.Instant?
        /// A LIST starting at or after this instant was asked for (`requestRelist(after:)`).
        var relistRequestedAt: ContinuousClock.Instant?
        /// Ends the current watch or backoff early so the loop relists.
        var interrupt: (@Sendable () -> Void)?
    }
    private let lists = Atomic<Int>(0)
    private let watches = Atomic<Int>(0)
    private let lastRV = LockedState<String>("")
    private let syncedFlag = Atomic<Bool>(false)
    private let health = LockedState(Health())

    /// Why the cache may be stale: the LIST it needs keeps failing, or the watch failed several
    /// times in a row without delivering anything.
    private struct Health {
        var listFailing = false
        var consecutiveFailures = 0
        var lastError: String?
        var handlers: [@Sendable (_ failing: Bool) -> Void] = []

        var isFailing: Bool { listFailing || consecutiveFailures >= Informer.watchFailureThreshold }
    }

    /// Watch failures in a row (with no event in between) before the cache counts as failing; a
    /// single dropped watch that resumes at once is routine, not a failure.
    public static var watchFailureThreshold: Int { 3 }

    public init(api: any KubeAPI, resource: GroupVersionResource, options: InformerOptions = InformerOptions(),
                logger: Logger? = nil, transform: @escaping @Sendable (JSONValue) -> Object?) {
        self.api = api
        self.resource = resource
        self.options = options
        self.transform = transform
        self.logger = logger ?? Logger(label: "informer.\(resource)")
    }

    // MARK: subscribing

    /// A stream of changes. With `replay`, it starts with an `.added` for every cached object.
    public func events(replay: Bool = true) -> AsyncStream<InformerEvent<Object>> {
        let (stream, continuation) = AsyncStream<InformerEvent<Object>>.makeStream(bufferingPolicy: .unbounded)
        let id: Int = subscribers.withLock { subscribers in
            if replay {
                for object in store.list() { continuation.yield(.added(object)) }
            }
            subscribers.nextID += 1
            subscribers.all[subscribers.nextID] = Subscriber(since: subscribers.sequence, stream: continuation)
            return subscribers.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.all.removeValue(forKey: id) }
        }
        return stream
    }

    /// A callback for every change, called on the informer's task in the order of the changes, with
    /// no informer lock held (keep it short: the next change waits for it). The replay runs here,
    /// under the lock, so no later change can overtake it.
    public func addHandler(replay: Bool = true, _ handler: @escaping @Sendable (InformerEvent<Object>) -> Void) {
        subscribers.withLock { subscribers in
            if replay { for object in store.list() { handler(.added(object)) } }
            subscribers.nextID += 1
            subscribers.all[subscribers.nextID] = Subscriber(since: subscribers.sequence, handler: handler)
        }
    }

    /// Lock-free, so handlers (which run under the subscribers lock) may read it.
    public var hasSynced: Bool { syncedFlag.load(ordering: .acquiring) }

    /// Returns once the first LIST has been applied to the store (or at once when cancelled).
    public func waitForSync() async {
        _ = await syncedSignal.waitUnlessCancelled()
    }

    /// LIST calls made so far (each page counts once).
    public var listCount: Int { lists.load(ordering: .relaxed) }
    /// WATCH calls made so far.
    public var watchCount: Int { watches.load(ordering: .relaxed) }
    /// The last resourceVersion seen.
    public var lastSyncResourceVersion: String { lastRV.withLock { $0 } }

    /// Non-nil while the cache cannot be kept up to date: the needed LIST is failing, or the watch
    /// failed `watchFailureThreshold` times in a row. The store keeps its last contents meanwhile.
    public var failure: String? {
        health.withLock { h in
            guard h.isFailing else { return nil }
            return h.lastError.map { "\(h.listFailing ? "list" : "watch") failed: \($0)" }
        }
    }

    /// Calls `handler` each time `failure` turns non-nil (true) or back to nil (false), and (false)
    /// each time the watch runs again after an error or a relist, on the informer's task: a
    /// reconciler that reports cache health learns of a recovery at once instead of at its next retry.
    public func onHealthChange(_ handler: @escaping @Sendable (_ failing: Bool) -> Void) {
        health.withLock { $0.handlers.append(handler) }
    }

    /// The last list/watch error, kept until the watch delivers again.
    public var lastError: String? { health.withLock { $0.lastError } }

    /// Synced and watching: the cache is not known to be behind.
    public var isLive: Bool { hasSynced && freshness.withLock { $0.upSince != nil } }

    /// Whether the cache meets `requirement` now.
    public func satisfies(_ requirement: CacheRequirement) -> Bool {
        guard hasSynced else { return false }
        switch requirement {
        case .live:
            return isLive
        case .asOf(let instant, let resourceVersion):
            if let wanted = resourceVersion.flatMap({ Int64($0) }), let applied = Int64(lastSyncResourceVersion), applied >= wanted {
                return true
            }
            return freshness.withLock { f in
                if let listed = f.lastListStartedAt, listed >= instant { return true }
                if let up = f.upSince, up <= instant { return true }
                return false
            }
        }
    }

    /// Asks for a LIST that starts at or after `instant`: the current watch or backoff ends early
    /// and the informer relists once (a `requestedAt` after an outage skips the retry delay).
    public func requestRelist(after instant: ContinuousClock.Instant) {
        let interrupt = freshness.withLock { f -> (@Sendable () -> Void)? in
            if let listed = f.lastListStartedAt, listed >= instant { return nil }
            if let requested = f.relistRequestedAt, requested >= instant { return nil }
            f.relistRequestedAt = instant
            return f.interrupt
        }
        logger.debug("relist requested", metadata: ["resource": "\(resource)", "interrupting": "\(interrupt != nil)"])
        interrupt?()
    }

    private func relistDue() -> Bool {
        freshness.withLock { f in
            guard let requested = f.relistRequestedAt else { return false }
            return f.lastListStartedAt.map { $0 < requested } ?? true
        }
    }

    /// A watch is about to run; after an interruption, that is a recovery subscribers hear of.
    private func markUp() {
        let recovered = freshness.withLock { f -> Bool in
            guard f.upSince == nil else { return false }
            f.upSince = .now
            defer { f.disrupted = false }
            return f.disrupted
        }
        if recovered { notifyHealth(failing: false) }
    }

    /// The cache stops following the server (listing, backing off); `disrupted` when events may be missed.
    private func markDown(disrupted: Bool) {
        freshness.withLock { f in
            f.upSince = nil
            if disrupted { f.disrupted = true }
        }
    }

    private func notifyHealth(failing: Bool) {
        let handlers = health.withLock { $0.handlers }
        for handler in handlers { handler(failing) }
    }

    private func recordFailure(_ error: any Error, listing: Bool) {
        let text = (error as? KubeAPIError)?.description ?? "\(error)"
        updateHealth { h in
            h.listFailing = listing
            h.consecutiveFailures += 1
            h.lastError = text
        }
    }

    /// Called for every watch event, so the common case (already healthy) only takes the lock.
    private func recordHealthy() {
        updateHealth { h in
            if h.consecutiveFailures != 0 || h.listFailing {
                h.listFailing = false
                h.consecutiveFailures = 0
                h.lastError = nil
            }
        }
    }

    private func updateHealth(_ change: (inout Health) -> Void) {
        let flipped = health.withLock { h -> (failing: Bool, handlers: [@Sendable (Bool) -> Void])? in
            let wasFailing = h.isFailing
            change(&h)
            return h.isFailing == wasFailing ? nil : (h.isFailing, h.handlers)
        }
        guard let flipped else { return }
        // A failing cache that recovers is announced here; the watch's return need not repeat it.
        if !flipped.failing { freshness.withLock { $0.disrupted = false } }
        for handler in flipped.handlers { handler(flipped.failing) }
    }

    // MARK: running

    /// Lists and watches until the task is cancelled; then ends every subscriber stream.
    public func run() async {
        var backoff = options.backoff
        var quickEnds = Backoff(initial: .milliseconds(100), max: .seconds(2), jitter: 0.5)
        var expiries = options.expiryBackoff
        var resourceVersion: String?
        while !Task.isCancelled {
            var listing = false
            do {
                // A relist asked for while this one ran needs another that starts after the request.
                while resourceVersion == nil || relistDue() {
                    try Task.checkCancellation()
                    listing = true
                    markDown(disrupted: false)  // the failure that led here, if any, marked it
                    resourceVersion = try await relist()
                    listing = false
                    recordHealthy()
                }
                markUp()
                let started = ContinuousClock.now
                let from = resourceVersion ?? ""
                resourceVersion = try await interruptible { try await self.watch(from: from) }
                // A normal end (server timeout): resume at once, unless the server keeps closing
                // immediately, which would otherwise become a hot loop.
                if ContinuousClock.now - started < .seconds(1) {
                    // Its own short backoff: the error backoff may have grown to half a minute,
                    // and no watch runs while this waits.
                    let delay = quickEnds.next()
                    markDown(disrupted: false)  // no watch runs meanwhile; the resume replays what it misses
                    try await interruptible { try await Task.sleep(for: delay) }
                }
            } catch is CancellationError {
                if Task.isCancelled { break }
                // Interrupted by `requestRelist`: the loop relists now.
            } catch let error as KubeAPIError where error.reason == .gone {
                // History compacted: relist, after a jittered delay so a compaction does not make
                // every informer of every replica relist at the same instant.
                logger.debug("watch expired, relisting", metadata: ["resource": "\(resource)"])
                resourceVersion = nil
                markDown(disrupted: true)
                if !(await pause(after: error, backoff: &expiries, quiet: true)) { break }
            } catch let error as ResumableError {
                resourceVersion = error.resourceVersion
                markDown(disrupted: true)
                recordFailure(error.underlying, listing: false)
                if !(await pause(after: error.underlying, backoff: &backoff)) { break }
            } catch {
                markDown(disrupted: true)
                recordFailure(error, listing: listing)
                if !(await pause(after: error, backoff: &backoff)) { break }
            }
        }
        markDown(disrupted: false)
        let streams = subscribers.withLock { subscribers in
            let streams = subscribers.all.values.compactMap(\.stream)
            subscribers.all.removeAll()
            return streams
        }
        for stream in streams { stream.finish() }
    }

    /// Runs `body` in a child task that `requestRelist` may cancel; cancelling the informer cancels it too.
    private func interruptible<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let child = Task { try await body() }
        freshness.withLock { $0.interrupt = { child.cancel() } }
        if relistDue() { child.cancel() }
        defer { freshness.withLock { $0.interrupt = nil } }
        return try await withTaskCancellationHandler { try await child.value } onCancel: { child.cancel() }
    }

    /// Sleeps after a failure: `Retry-After` for 429, else the backoff. False when cancelled; true
    /// early when a relist is requested meanwhile.
    private func pause(after error: any Error, backoff: inout Backoff, quiet: Bool = false) async -> Bool {
        let delay: Duration
        if let apiError = error as? KubeAPIError, apiError.reason == .tooManyRequests, let retryAfter = apiError.retryAfter {
            delay = retryAfter
        } else {
            delay = backoff.next()
        }
        let metadata: Logger.Metadata = ["resource": "\(resource)", "error": "\(error)", "after": "\(delay)"]
        if let apiError = error as? KubeAPIError, Self.isConfigurationError(apiError) {
            // Retrying will not help until someone fixes credentials, RBAC or the CA: say so loudly.
            logger.error("list/watch failed: the API server refuses this client; retrying", metadata: metadata)
        } else if !quiet {
            logger.info("list/watch failed, retrying", metadata: metadata)
        }
        do {
            try await interruptible { try await Task.sleep(for: delay) }
            return true
        } catch {
            return !Task.isCancelled
        }
    }

    /// 401, 403 and TLS failures need a person (token, RBAC, CA), unlike outages and throttling.
    static func isConfigurationError(_ error: KubeAPIError) -> Bool {
        switch error.reason {
        case .unauthorized, .forbidden: return true
        case .transport:
            let text = error.message.lowercased()
            return text.contains("certificate") || text.contains("ssl") || text.contains("tls")
        default: return false
        }
    }

    /// A watch failure after some events were applied: resume from where it got to.
    private struct ResumableError: Error {
        var underlying: any Error
        var resourceVersion: String
    }

    /// Full paginated LIST; replaces the store, emitting adds, updates and deletions of vanished objects.
    private func relist() async throws -> String {
        var listOptions = ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
                                      limit: options.pageSize)
        let listStarted = ContinuousClock.now
        logger.trace("listing", metadata: ["resource": "\(resource)"])
        var fresh: [String: Object] = [:]
        var resourceVersion = ""
        repeat {
            try Task.checkCancellation()
            lists.add(1, ordering: .relaxed)
            let page = try await api.list(resource, namespace: options.namespace, options: listOptions)
            for item in page.items {
                if let object = transform(item) { fresh[item.objectKey] = object }
            }
            resourceVersion = page.resourceVersion
            listOptions.continueToken = page.continueToken
        } while listOptions.continueToken?.isEmpty == false
        let (batch, firstSync) = subscribers.withLock { subscribers -> (Batch, Bool) in
            let old = store.replace(with: fresh)
            var events: [InformerEvent<Object>] = []
            for (key, object) in fresh {
                if let previous = old[key] {
                    events.append(.updated(old: previous, new: object))
                } else {
                    events.append(.added(object))
                }
            }
            for (key, object) in old where fresh[key] == nil {
                events.append(.deleted(object))
            }
            let batch = number(events, &subscribers)
            let firstSync = !subscribers.synced
            if firstSync {
                subscribers.synced = true
                syncedFlag.store(true, ordering: .releasing)
            }
            return (batch, firstSync)
        }
        lastRV.withLock { $0 = resourceVersion }
        freshness.withLock { f in
            f.lastListStartedAt = listStarted
            if let requested = f.relistRequestedAt, requested <= listStarted { f.relistRequestedAt = nil }
        }
        deliver(batch)
        if firstSync { syncedSignal.deliver(()) }
        logger.trace("listed", metadata: ["resource": "\(resource)", "items": "\(fresh.count)", "resourceVersion": "\(resourceVersion)"])
        return resourceVersion
    }

    /// One WATCH; returns the resourceVersion to resume from when the stream ends normally.
    private func watch(from resourceVersion: String) async throws -> String {
        var current = resourceVersion
        let timeout = Int.random(in: options.watchTimeoutSeconds)
        let watchOptions = WatchOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
                                        resourceVersion: resourceVersion, allowWatchBookmarks: true, timeoutSeconds: timeout)
        watches.add(1, ordering: .relaxed)
        do {
            for try await event in api.watch(resource, namespace: options.namespace, options: watchOptions) {
                try Task.checkCancellation()
                recordHealthy()
                apply(event)
                if event.type != .error, let version = event.object.resourceVersion, !version.isEmpty {
                    current = version
                    lastRV.withLock { $0 = version }
                }
            }
        } catch let error as KubeAPIError where error.reason == .gone {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw ResumableError(underlying: error, resourceVersion: current)
        }
        return current
    }

    private func apply(_ event: WatchEvent) {
        let key = event.object.objectKey
        let batch: Batch
        switch event.type {
        case .added, .modified:
            let object = transform(event.object)
            batch = subscribers.withLock { subscribers in
                if let object {
                    if let previous = store.set(key, object) {
                        return number([.updated(old: previous, new: object)], &subscribers)
                    }
                    return number([.added(object)], &subscribers)
                } else if let previous = store.removeValue(key) {
                    // It no longer qualifies for the cache: to subscribers it is gone.
                    return number([.deleted(previous)], &subscribers)
                }
                return Batch()
            }
        case .deleted:
            batch = subscribers.withLock { subscribers in
                guard let previous = store.removeValue(key) else { return Batch() }
                return number([.deleted(previous)], &subscribers)
            }
        case .bookmark, .error:
            return
        }
        deliver(batch)
    }

    /// Store changes numbered under the lock, with the subscribers to tell, delivered after it.
    private struct Batch {
        var first: UInt64 = 0
        var events: [InformerEvent<Object>] = []
        var subscribers: [Subscriber] = []
    }

    private func number(_ events: [InformerEvent<Object>], _ subscribers: inout Subscribers) -> Batch {
        guard !events.isEmpty else { return Batch() }
        let first = subscribers.sequence + 1
        subscribers.sequence += UInt64(events.count)
        return Batch(first: first, events: events, subscribers: Array(subscribers.all.values))
    }

    /// Only the informer's task delivers, so subscribers see changes in store order; a subscriber
    /// that joined after a change was numbered already has it in its replay.
    private func deliver(_ batch: Batch) {
        for subscriber in batch.subscribers {
            for (offset, event) in batch.events.enumerated() where batch.first + UInt64(offset) > subscriber.since {
                subscriber.stream?.yield(event)
                subscriber.handler?(event)
            }
        }
    }
}
