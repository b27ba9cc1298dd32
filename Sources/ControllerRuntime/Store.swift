import KubeCore

/// A thread-safe cache keyed by `namespace/name` (client-go's `cache.Store`), holding only the
/// transformed projection of each object. A `StoreKeyed` object is its own key (no key string kept).
///
/// It can keep one `StoreIndex` (aggregates over its objects) in step with the items under the same
/// lock, so a reader of the index sees exactly the objects a reader of the items would.
public final class Store<Object: Sendable>: Sendable {
    private struct State {
        var items: [StoreKey: Object] = [:]
        var index: (any StoreIndex<Object>)?

        mutating func indexRemove(_ object: Object?) {
            guard let object, var index else { return }
            self.index = nil  // a unique reference, so the index mutates in place
            index.remove(object)
            self.index = index
        }

        mutating func indexAdd(_ object: Object) {
            guard var index else { return }
            self.index = nil
            index.add(object)
            self.index = index
        }
    }

    private let state = LockedState(State())

    public init() {}

    public func get(_ key: String) -> Object? { state.withLock { $0.items[.text(key)] } }

    /// The objects as they are now. The dictionary is copy-on-write: taking it is O(1) under the
    /// lock, and a writer that lands while the copy is made copies the storage once instead of waiting.
    public func list() -> [Object] { Array(state.withLock { $0.items }.values) }

    public var keys: [String] { state.withLock { $0.items }.keys.map(\.text) }

    public var count: Int { state.withLock { $0.items.count } }

    /// The items by key as they are now, made outside the lock (the keys of `StoreKeyed` objects
    /// are made here: O(n) allocations; a scan of the objects reads `list()`).
    public func snapshot() -> [String: Object] {
        let items = state.withLock { $0.items }
        return Dictionary(items.lazy.map { ($0.key.text, $0.value) }, uniquingKeysWith: { $1 })
    }

    /// Installs `index`, built here from the current items, kept up to date with every later change
    /// (a replaced index starts over). Safe at any time, also while the informer is filling the store.
    public func setIndex(_ index: some StoreIndex<Object>) {
        state.withLock { state in
            var index = index
            index.rebuild(from: state.items.values)
            state.index = index
        }
    }

    /// Runs `body` on the index under the store's lock; nil when no index of that type is installed.
    public func withIndex<Index: StoreIndex<Object>, R>(_ type: Index.Type, _ body: (inout Index) -> R) -> R? {
        state.withLock { state in
            guard var index = state.index as? Index else { return nil }
            state.index = nil
            defer { state.index = index }
            return body(&index)
        }
    }

    /// Sets a key; returns the previous value.
    @discardableResult
    func set(_ key: String, _ object: Object) -> Object? {
        let stored = StoreKey.stored(key, object)
        return state.withLock { state in
            let previous = state.items.updateValue(object, forKey: stored)
            if previous != nil, stored.isObject {
                // An update keeps the dictionary's key, the previous object: put the new one in its place.
                state.items.removeValue(forKey: stored)
                state.items[stored] = object
            }
            state.indexRemove(previous)
            state.indexAdd(object)
            return previous
        }
    }

    @discardableResult
    func removeValue(_ key: String) -> Object? {
        state.withLock { state in
            let previous = state.items.removeValue(forKey: .text(key))
            state.indexRemove(previous)
            return previous
        }
    }

    /// Swaps in a complete new state; returns the old one. The index is rebuilt from `objects`:
    /// the new state's values, in the order the caller reads best (the LIST's).
    func replace(with new: [StoreKey: Object], rebuildingIndexFrom objects: some Collection<Object>) -> [StoreKey: Object] {
        state.withLock { state in
            let old = state.items
            state.items = new
            if var index = state.index {
                state.index = nil
                index.rebuild(from: objects)
                state.index = index
            }
            return old
        }
    }
}

/// Aggregates over a `Store`'s objects, updated object by object (a changed object is removed in
/// its old form, then added in its new one).
public protocol StoreIndex<Object>: Sendable {
    associatedtype Object
    mutating func add(_ object: Object)
    mutating func remove(_ object: Object)
    /// Back to the state of an empty store.
    mutating func reset()
    /// The index of exactly `objects` (a relist swaps in the whole store): by default `reset`, then
    /// `add` one by one; an index with a cheaper bulk build (sort once) says so here.
    mutating func rebuild(from objects: some Collection<Object>)
}

extension StoreIndex {
    public mutating func rebuild(from objects: some Collection<Object>) {
        reset()
        for object in objects { add(object) }
    }
}
