import KubeCore
import Logging
import Synchronization

/// How a watcher lists and watches.
public struct WatcherOptions: Sendable {
    /// Only this namespace (nil: all namespaces).
    public var namespace: String?
    public var labelSelector: String?
    public var fieldSelector: String?
    /// LIST page size: of the first page, and the least of every other.
    public var pageSize: Int
    /// Largest LIST page. A collection the server says has more than `pagesLeft` pages of
    /// `pageSize` left after the first is listed in larger pages, up to this, so that a large
    /// cluster's initial sync is not paced by the client's rate limit (`--kube-api-qps`): a million
    /// objects in pages of 500 are 2,000 requests, 34 s at 50 per second after a burst of 300. Each
    /// page costs about 4 KiB per object while it is parsed (its JSON and tape), and the cached
    /// objects made meanwhile land between those blocks: what is freed after the sync stays
    /// scattered through the heap, about 140 bytes per cached object with pages of 2,000 and 75
    /// with pages of 1,000 (docs/benchmarks.md, "Initial sync").
    public var maxPageSize: Int
    /// Pages of `pageSize` past which the pages grow; see `maxPageSize`.
    public static let pagesLeft = 16
    /// Server-side watch timeout, picked at random in this range for each watch (client-go: 5–10 min).
    public var watchTimeoutSeconds: ClosedRange<Int>
    /// Delay before retrying after an error (client-go: 800 ms doubling to 30 s, jittered).
    public var backoff: Backoff
    /// Delay before relisting after `410 Gone`: spreads the relists of every informer (and replica)
    /// after a compaction, without inheriting an error backoff grown to half a minute.
    public var expiryBackoff: Backoff

    /// The size of the pages after the first when the server says `remaining` objects are left
    /// (see `maxPageSize`): a sixteenth of them, within `pageSize...maxPageSize`.
    public func pageSize(remaining: Int?) -> Int {
        let least = max(1, pageSize)
        guard let remaining else { return least }
        return min(max(least, maxPageSize), max(least, remaining / Self.pagesLeft))
    }

    public init(namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int = 500,
                maxPageSize: Int = 1000, watchTimeoutSeconds: ClosedRange<Int> = 300...600, backoff: Backoff = Backoff(),
                expiryBackoff: Backoff = Backoff(initial: .milliseconds(200), max: .seconds(5))) {
        self.expiryBackoff = expiryBackoff
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.pageSize = pageSize
        self.maxPageSize = maxPageSize
        self.watchTimeoutSeconds = watchTimeoutSeconds
        self.backoff = backoff
    }
}

/// Turns LIST + WATCH of one resource into a stream of `WatcherEvent`s, riding out everything the
/// API server does (kube-rs `watcher`): it resumes a watch that ends from the last resourceVersion
/// seen (bookmarks keep it fresh), relists after `410 Gone` on its own short jittered backoff,
/// backs off after errors (`Retry-After` for 429), and relists early when asked to.
///
/// It keeps no objects: each is transformed as it arrives and handed on, and its JSON dropped. It
/// does keep what a reader of a cache built from it needs to judge freshness (`covers`) and health
/// (`failure`, `onHealthChange`).
public final class Watcher<Object: Sendable>: Sendable {
    public let resource: GroupVersionResource
    private let api: any KubeAPI
    private let options: WatcherOptions
    private let transform: @Sendable (JSONValue) -> Object?
    /// The same transform for the items of LIST pages, read from the page's document.
    private let listTransform: @Sendable (JSONNode) -> Object?
    private let logger: Logger

    private let freshness = LockedState(Freshness())
    /// Bumped whenever what `covers` or `failure` answer may have moved towards fresh or failing
    /// (a watch accepted, a LIST or an event applied, health flipped): readers wait on it.
    public let freshnessChanges = ChangeSignal()
    /// Whether the loop is watching, and what the last LIST covered (see `CacheRequirement`).
    private struct Freshness {
        /// When the server accepted the running watch; nil while listing, backing off, between two
        /// watches, and while a watch waits for the server's answer (a slow server replays what
        /// the watch missed only when it answers).
        var upSince: ContinuousClock.Instant?
        /// The number of the watch now running: the acceptance of one already ended is ignored.
        var currentWatch: Int?
        /// Events were or may have been missed (error, 410), and no watch has run since.
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
    private let health = LockedState(Health())
    /// Health changes in order, delivered to the handlers by one task: a recovery is announced when
    /// the server accepts the watch, on the HTTP engine's thread, which must not run handlers.
    private let notices: AsyncStream<Bool>.Continuation

    /// Why a cache fed by this watcher may be stale: the LIST it needs keeps failing, or the watch
    /// failed several times in a row without delivering anything.
    private struct Health {
        var listFailing = false
        var consecutiveFailures = 0
        var lastError: String?
        var handlers: [@Sendable (_ failing: Bool) -> Void] = []

        var isFailing: Bool { listFailing || consecutiveFailures >= watchFailureThreshold }
    }

    /// Watch failures in a row (with no event in between) before the watcher counts as failing; a
    /// single dropped watch that resumes at once is routine, not a failure.
    public static var watchFailureThreshold: Int { 3 }

    public convenience init(api: any KubeAPI, resource: GroupVersionResource, options: WatcherOptions = WatcherOptions(),
                            logger: Logger? = nil, transform: @escaping @Sendable (JSONValue) -> Object?) {
        self.init(api: api, resource: resource, options: options, logger: logger, transform: transform,
                  listTransform: { transform($0.value) })
    }

    /// With a `listTransform` for LIST items that reads the page's document directly; it must
    /// give what `transform` gives for the same object.
    public init(api: any KubeAPI, resource: GroupVersionResource, options: WatcherOptions = WatcherOptions(),
                logger: Logger? = nil, transform: @escaping @Sendable (JSONValue) -> Object?,
                listTransform: @escaping @Sendable (JSONNode) -> Object?) {
        self.api = api
        self.resource = resource
        self.options = options
        self.transform = transform
        self.listTransform = listTransform
        self.logger = logger ?? Logger(label: "watcher.\(resource)")
        let (stream, continuation) = AsyncStream<Bool>.makeStream(bufferingPolicy: .unbounded)
        notices = continuation
        Task { [health] in
            for await failing in stream {
                for handler in health.withLock({ $0.handlers }) { handler(failing) }
            }
        }
    }

    deinit { notices.finish() }

    // MARK: state

    /// LIST calls made so far (each page counts once).
    public var listCount: Int { lists.load(ordering: .relaxed) }
    /// WATCH calls made so far.
    public var watchCount: Int { watches.load(ordering: .relaxed) }
    /// The last resourceVersion handed on (of a LIST or a watch event).
    public var lastSyncResourceVersion: String { lastRV.withLock { $0 } }

    /// Non-nil while the stream cannot follow the server: the needed LIST is failing, or the watch
    /// failed `watchFailureThreshold` times in a row.
    public var failure: String? {
        health.withLock { h in
            guard h.isFailing else { return nil }
            return h.lastError.map { "\(h.listFailing ? "list" : "watch") failed: \($0)" }
        }
    }

    /// The last list/watch error, kept until the watch delivers again.
    public var lastError: String? { health.withLock { $0.lastError } }

    /// Calls `handler` each time `failure` turns non-nil (true) or back to nil (false), and (false)
    /// each time the server accepts a watch again after an error or a relist, in order, on a task
    /// of the watcher's own: a reader that reports cache health learns of a recovery at once
    /// instead of at its next retry.
    public func onHealthChange(_ handler: @escaping @Sendable (_ failing: Bool) -> Void) {
        health.withLock { $0.handlers.append(handler) }
    }

    /// The server accepted the running watch: what has been handed on is not known to be behind.
    public var isWatching: Bool { freshness.withLock { $0.upSince != nil } }

    /// Whether what has been handed on meets `requirement` (for `.asOf`: the applied
    /// resourceVersion is at least the wanted one, or a LIST started after the instant completed,
    /// or the running watch was accepted by the server before it). Says nothing of an initial
    /// sync: that is the reader's to know.
    public func covers(_ requirement: CacheRequirement) -> Bool {
        switch requirement {
        case .live:
            return isWatching
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
    /// and the watcher relists once (a `requestedAt` after an outage skips the retry delay).
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

    // MARK: running

    /// The events as an async stream; the watcher runs while the stream is consumed.
    public func stream() -> AsyncStream<WatcherEvent<Object>> {
        AsyncStream { continuation in
            let task = Task { await self.run { continuation.yield($0) }; continuation.finish() }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Lists and watches until the task is cancelled, calling `sink` for every event, one at a
    /// time and in order (on this task or, for a watch, on a child task it awaits). The freshness
    /// state (`covers`, `lastSyncResourceVersion`) moves only after `sink` returns, so whatever
    /// `sink` feeds is never older than what `covers` claims.
    public func run(_ sink: @escaping @Sendable (WatcherEvent<Object>) -> Void) async {
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
                    resourceVersion = try await relist(sink)
                    listing = false
                    recordHealthy()
                }
                let started = ContinuousClock.now
                let from = resourceVersion ?? ""
                resourceVersion = try await interruptible { try await self.watch(from: from, sink) }
                // A normal end (server timeout): the cache follows the server again only once the
                // next watch is accepted (it replays what this gap misses).
                markDown(disrupted: false)
                // Resume at once, unless the server keeps closing immediately, which would
                // otherwise become a hot loop.
                if ContinuousClock.now - started < .seconds(1) {
                    // Its own short backoff: the error backoff may have grown to half a minute,
                    // and no watch runs while this waits.
                    let delay = quickEnds.next()
                    try await interruptible { try await Task.sleep(for: delay) }
                }
            } catch is CancellationError {
                if Task.isCancelled { break }
                // Interrupted by `requestRelist`: the loop relists now.
            } catch let error as KubeAPIError where error.reason == .gone {
                // History compacted: relist, after a jittered delay so a compaction does not make
                // every watcher of every replica relist at the same instant.
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
    }

    private func relistDue() -> Bool {
        freshness.withLock { f in
            guard let requested = f.relistRequestedAt else { return false }
            return f.lastListStartedAt.map { $0 < requested } ?? true
        }
    }

    /// The server accepted watch `number` (on the HTTP engine's thread: only the lock is taken);
    /// after an interruption, that is a recovery health handlers hear of.
    private func markAccepted(_ number: Int) {
        let recovered = freshness.withLock { f -> Bool in
            guard f.currentWatch == number, f.upSince == nil else { return false }
            f.upSince = .now
            defer { f.disrupted = false }
            return f.disrupted
        }
        freshnessChanges.bump()
        if recovered { notifyHealth(failing: false) }
    }

    /// The stream stops following the server (listing, backing off, between watches); `disrupted`
    /// when events may be missed.
    private func markDown(disrupted: Bool) {
        freshness.withLock { f in
            f.upSince = nil
            f.currentWatch = nil
            if disrupted { f.disrupted = true }
        }
    }

    private func notifyHealth(failing: Bool) {
        notices.yield(failing)
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
        let flipped = health.withLock { h -> Bool? in
            let wasFailing = h.isFailing
            change(&h)
            return h.isFailing == wasFailing ? nil : h.isFailing
        }
        guard let failing = flipped else { return }
        // A failing watcher that recovers is announced here; the watch's return need not repeat it.
        if !failing { freshness.withLock { $0.disrupted = false } }
        freshnessChanges.bump()
        notifyHealth(failing: failing)
    }

    /// Runs `body` in a child task that `requestRelist` may cancel; cancelling the watcher cancels it too.
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
        if let apiError = error as? KubeAPIError, apiError.needsUserAction {
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

    /// A watch failure after some events were handed on: resume from where it got to.
    private struct ResumableError: Error {
        var underlying: any Error
        var resourceVersion: String
    }

    /// Full paginated LIST, streamed as `.initStarted`, `.initApply`…, `.initDone`.
    ///
    /// The next page is requested (and parsed, by the client) while this one's items are
    /// transformed and handed on, so the server's work, the transfer and the parse overlap the
    /// projection instead of waiting for it; at most one page is held ahead.
    private func relist(_ sink: (WatcherEvent<Object>) -> Void) async throws -> String {
        let listOptions = ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
                                      limit: options.pageSize)
        let listStarted = ContinuousClock.now
        logger.trace("listing", metadata: ["resource": "\(resource)"])
        var resourceVersion = ""
        var count = 0
        sink(.initStarted)
        var next: Task<ObjectListPage, any Error>? = fetchPage(listOptions)
        defer { next?.cancel() }
        var laterLimit: Int?  // set by the first page, for every later one
        while let pending = next {
            try Task.checkCancellation()
            let page = try await withTaskCancellationHandler { try await pending.value } onCancel: { pending.cancel() }
            if let token = page.continueToken, !token.isEmpty {
                var more = listOptions
                more.continueToken = token
                if laterLimit == nil { laterLimit = options.pageSize(remaining: page.remainingItemCount) }
                more.limit = laterLimit
                next = fetchPage(more)
            } else {
                next = nil
            }
            switch page.items {
            case .nodes(let items): count += handOn(items, listTransform, sink)
            case .values(let items): count += handOn(items, transform, sink)
            }
            resourceVersion = page.resourceVersion
        }
        sink(.initDone(resourceVersion: resourceVersion))
        lastRV.withLock { $0 = resourceVersion }
        freshness.withLock { f in
            f.lastListStartedAt = listStarted
            if let requested = f.relistRequestedAt, requested <= listStarted { f.relistRequestedAt = nil }
        }
        freshnessChanges.bump()
        logger.trace("listed", metadata: ["resource": "\(resource)", "items": "\(count)", "resourceVersion": "\(resourceVersion)"])
        return resourceVersion
    }

    /// One LIST page, requested at once.
    private func fetchPage(_ listOptions: ListOptions) -> Task<ObjectListPage, any Error> {
        lists.add(1, ordering: .relaxed)
        let (api, resource, namespace) = (self.api, self.resource, options.namespace)
        return Task { try await api.listPage(resource, namespace: namespace, options: listOptions) }
    }

    /// Hands on the items a transform keeps; returns how many.
    private func handOn<Item: JSONReadable>(_ items: [Item], _ transform: (Item) -> Object?,
                                             _ sink: (WatcherEvent<Object>) -> Void) -> Int {
        var count = 0
        for item in items {
            if let object = transform(item) {
                sink(.initApply(key: item.objectKey, object: object))
                count += 1
            }
        }
        return count
    }

    /// One WATCH; returns the resourceVersion to resume from when the stream ends normally.
    private func watch(from resourceVersion: String, _ sink: @Sendable (WatcherEvent<Object>) -> Void) async throws -> String {
        var current = resourceVersion
        let timeout = Int.random(in: options.watchTimeoutSeconds)
        let watchOptions = WatchOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector,
                                        resourceVersion: resourceVersion, allowWatchBookmarks: true, timeoutSeconds: timeout)
        let number = watches.add(1, ordering: .relaxed).newValue
        freshness.withLock { $0.currentWatch = number }
        let events = api.watch(resource, namespace: options.namespace, options: watchOptions,
                               accepted: { [weak self] in self?.markAccepted(number) })
        do {
            for try await event in events {
                try Task.checkCancellation()
                recordHealthy()
                switch event.type {
                case .added, .modified: sink(.applied(key: event.object.objectKey, object: transform(event.object)))
                case .deleted: sink(.deleted(key: event.object.objectKey))
                case .bookmark, .error: break
                }
                if event.type != .error, let version = event.object.resourceVersion, !version.isEmpty {
                    current = version
                    lastRV.withLock { $0 = version }
                    freshnessChanges.bump()
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
}
