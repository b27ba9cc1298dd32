import KubeCore
import Logging

/// Informers started and stopped at run time, keyed by resource (Flux kinds come and go with their CRDs).
///
/// Each informer runs in its own task; `stop` cancels it, which ends its subscriber streams.
public final class InformerSet: Sendable {
    private struct Entry {
        var informer: any AnyInformer
        var task: Task<Void, Never>
    }
    private let api: any KubeAPI
    private let logger: Logger
    private let entries = LockedState<[GroupVersionResource: Entry]>([:])

    public init(api: any KubeAPI, logger: Logger = Logger(label: "informers")) {
        self.api = api
        self.logger = logger
    }

    /// Starts an informer for the resource, or returns the running one (whose type must match).
    /// `listTransform` reads LIST items from the page's document (`Watcher`); nil materializes them for `transform`.
    public func start<Object: Sendable>(_ resource: GroupVersionResource, options: WatcherOptions = WatcherOptions(),
                                        listTransform: (@Sendable (JSONNode) -> Object?)? = nil,
                                        transform: @escaping @Sendable (JSONValue) -> Object?) -> Informer<Object>? {
        entries.withLock { entries in
            if let existing = entries[resource] { return existing.informer as? Informer<Object> }
            let informer = Informer<Object>(api: api, resource: resource, options: options, logger: logger, transform: transform,
                                            listTransform: listTransform ?? { transform($0.value) })
            let task = Task { await informer.run() }
            entries[resource] = Entry(informer: informer, task: task)
            return informer
        }
    }

    /// The running informer for the resource, if any and of this type.
    public func informer<Object: Sendable>(for resource: GroupVersionResource, as type: Object.Type = Object.self) -> Informer<Object>? {
        entries.withLock { $0[resource]?.informer as? Informer<Object> }
    }

    /// Stops the informer for the resource (no-op if none).
    public func stop(_ resource: GroupVersionResource) {
        let entry = entries.withLock { $0.removeValue(forKey: resource) }
        entry?.task.cancel()
    }

    /// Stops every informer and returns once each one's task has ended (no watch outlives the call).
    public func stopAll() async {
        let all = entries.withLock { entries in
            let all = Array(entries.values)
            entries.removeAll()
            return all
        }
        for entry in all { entry.task.cancel() }
        for entry in all { await entry.task.value }
    }

    public var resources: [GroupVersionResource] { entries.withLock { Array($0.keys) } }

    /// Every running informer.
    public var all: [any AnyInformer] { entries.withLock { $0.values.map(\.informer) } }

    /// True when every running informer has synced.
    public var hasSynced: Bool { entries.withLock { $0.values.allSatisfy { $0.informer.hasSynced } } }

    /// LIST calls made by all running informers (for "zero LISTs at steady state" checks).
    public var totalListCount: Int { entries.withLock { $0.values.reduce(0) { $0 + $1.informer.listCount } } }

    public func waitForSync() async {
        let informers = entries.withLock { $0.values.map(\.informer) }
        for informer in informers { await informer.waitForSync() }
    }
}

/// The type-erased face of an `Informer`.
public protocol AnyInformer: Sendable {
    var resource: GroupVersionResource { get }
    var hasSynced: Bool { get }
    var listCount: Int { get }
    func waitForSync() async
    func onHealthChange(_ handler: @escaping @Sendable (_ failing: Bool) -> Void)
    var failure: String? { get }
    var lastError: String? { get }
    func satisfies(_ requirement: CacheRequirement) -> Bool
    var freshnessChanges: ChangeSignal { get }
    func requestRelist(after instant: ContinuousClock.Instant)
}

extension Informer: AnyInformer {}
