import KubeClient
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
    public var backoff: Backoff

    public init(namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil, pageSize: Int = 500,
                watchTimeoutSeconds: ClosedRange<Int> = 300...600, backoff: Backoff = Backoff()) {
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

    private struct Subscribers {
        var nextID = 0
        var streams: [Int: AsyncStream<InformerEvent<Object>>.Continuation] = [:]
        var handlers: [@Sendable (InformerEvent<Object>) -> Void] = []
        var synced = false
        var syncWaiters: [CheckedContinuation<Void, Never>] = []
    }
    /// Store changes and dispatch happen under this lock so subscribers see a consistent sequence.
    private let subscribers = Mutex(Subscribers())
    private let lists = Atomic<Int>(0)
    private let watches = Atomic<Int>(0)
    private let lastRV = Mutex<String>("")
    private let syncedFlag = Atomic<Bool>(false)
    private let health = Mutex(Health())

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
            subscribers.streams[subscribers.nextID] = continuation
            return subscribers.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    /// A callback for every change, called synchronously on the informer's task, under the lock that
    /// orders events (keep it short; it must not call `events()` or `addHandler` on this informer).
    public func addHandler(replay: Bool = true, _ handler: @escaping @Sendable (InformerEvent<Object>) -> Void) {
        subscribers.withLock { subscribers in
            if replay { for object in store.list() { handler(.added(object)) } }
            subscribers.handlers.append(handler)
        }
    }

    /// Lock-free, so handlers (which run under the subscribers lock) may read it.
    public var hasSynced: Bool { syncedFlag.load(ordering: .acquiring) }

    /// Returns once the first LIST has been applied to the store (or at once when cancelled).
    public func waitForSync() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = subscribers.withLock { subscribers in
                    if subscribers.synced || Task.isCancelled { return true }
                    subscribers.syncWaiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let waiters = subscribers.withLock { subscribers in
                let waiters = subscribers.syncWaiters
                subscribers.syncWaiters = []
                return waiters
            }
            for waiter in waiters { waiter.resume() }
        }
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

    /// Calls `handler` each time `failure` turns non-nil (true) or back to nil (false), on the
    /// informer's task: a reconciler that reports cache health learns of a recovery at once instead
    /// of at its next retry.
    public func onHealthChange(_ handler: @escaping @Sendable (_ failing: Bool) -> Void) {
        health.withLock { $0.handlers.append(handler) }
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
        for handler in flipped.handlers { handler(flipped.failing) }
    }

    // MARK: running

    /// Lists and watches until the task is cancelled; then ends every subscriber stream.
    public func run() async {
        var backoff = options.backoff
        var resourceVersion: String?
        while !Task.isCancelled {
            var listing = false
            do {
                if resourceVersion == nil {
                    listing = true
                    resourceVersion = try await relist()
                    listing = false
                    recordHealthy()
                }
                let started = ContinuousClock.now
                resourceVersion = try await watch(from: resourceVersion ?? "")
                // A normal end (server timeout): resume at once, unless the server keeps closing
                // immediately, which would otherwise become a hot loop.
                if ContinuousClock.now - started < .seconds(1) {
                    try await Task.sleep(for: backoff.next())
                }
            } catch is CancellationError {
                break
            } catch let error as KubeAPIError where error.reason == .gone {
                logger.debug("watch expired, relisting", metadata: ["resource": "\(resource)"])
                resourceVersion = nil
            } catch let error as ResumableError {
                resourceVersion = error.resourceVersion
                recordFailure(error.underlying, listing: false)
                if !(await pause(after: error.underlying, backoff: &backoff)) { break }
            } catch {
                recordFailure(error, listing: listing)
                if !(await pause(after: error, backoff: &backoff)) { break }
            }
        }
        let streams = subscribers.withLock { subscribers in
            let streams = Array(subscribers.streams.values)
            subscribers.streams.removeAll()
            return streams
        }
        for stream in streams { stream.finish() }
    }

    /// Sleeps after a failure: `Retry-After` for 429, else the backoff. False when cancelled.
    private func pause(after error: any Error, backoff: inout Backoff) async -> Bool {
        let delay: Duration
        if let apiError = error as? KubeAPIError, apiError.reason == .tooManyRequests, let retryAfter = apiError.retryAfter {
            delay = retryAfter
        } else {
            delay = backoff.next()
        }
        logger.info("list/watch failed, retrying", metadata: [
            "resource": "\(resource)", "error": "\(error)", "after": "\(delay)",
        ])
        do {
            try await Task.sleep(for: delay)
            return true
        } catch {
            return false
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
        subscribers.withLock { subscribers in
            let old = store.replace(with: fresh)
            for (key, object) in fresh {
                if let previous = old[key] {
                    dispatch(.updated(old: previous, new: object), &subscribers)
                } else {
                    dispatch(.added(object), &subscribers)
                }
            }
            for (key, object) in old where fresh[key] == nil {
                dispatch(.deleted(object), &subscribers)
            }
            if !subscribers.synced {
                subscribers.synced = true
                syncedFlag.store(true, ordering: .releasing)
                for waiter in subscribers.syncWaiters { waiter.resume() }
                subscribers.syncWaiters = []
            }
        }
        lastRV.withLock { $0 = resourceVersion }
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
        switch event.type {
        case .added, .modified:
            let object = transform(event.object)
            subscribers.withLock { subscribers in
                if let object {
                    if let previous = store.set(key, object) {
                        dispatch(.updated(old: previous, new: object), &subscribers)
                    } else {
                        dispatch(.added(object), &subscribers)
                    }
                } else if let previous = store.removeValue(key) {
                    // It no longer qualifies for the cache: to subscribers it is gone.
                    dispatch(.deleted(previous), &subscribers)
                }
            }
        case .deleted:
            subscribers.withLock { subscribers in
                if let previous = store.removeValue(key) {
                    dispatch(.deleted(previous), &subscribers)
                }
            }
        case .bookmark, .error:
            break
        }
    }

    private func dispatch(_ event: InformerEvent<Object>, _ subscribers: inout Subscribers) {
        for stream in subscribers.streams.values { stream.yield(event) }
        for handler in subscribers.handlers { handler(event) }
    }
}
