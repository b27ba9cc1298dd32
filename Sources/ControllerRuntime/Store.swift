import KubeCore

/// A thread-safe cache keyed by `namespace/name` (client-go's `cache.Store`), holding only the
/// transformed projection of each object.
public final class Store<Object: Sendable>: Sendable {
    private let items = LockedState<[String: Object]>([:])

    public init() {}

    public func get(_ key: String) -> Object? { items.withLock { $0[key] } }

    public func list() -> [Object] { items.withLock { Array($0.values) } }

    public var keys: [String] { items.withLock { Array($0.keys) } }

    public var count: Int { items.withLock { $0.count } }

    /// Runs `body` over the cache under the lock, without copying it (for scrape-time rendering).
    public func withItems<R>(_ body: ([String: Object]) throws -> R) rethrows -> R {
        try items.withLock { try body($0) }
    }

    /// Sets a key; returns the previous value.
    @discardableResult
    func set(_ key: String, _ object: Object) -> Object? {
        items.withLock { $0.updateValue(object, forKey: key) }
    }

    @discardableResult
    func removeValue(_ key: String) -> Object? {
        items.withLock { $0.removeValue(forKey: key) }
    }

    /// Swaps in a complete new state; returns the old one.
    func replace(with new: [String: Object]) -> [String: Object] {
        items.withLock { items in
            let old = items
            items = new
            return old
        }
    }
}
