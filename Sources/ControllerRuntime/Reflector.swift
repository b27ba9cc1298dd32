import KubeCore

/// Applies `WatcherEvent`s to a `Store` and says what changed (kube-rs `reflector`, client-go's
/// `Reflector` + `DeltaFIFO` replace): the public way to feed a store, from a `Watcher` or from
/// anything else that produces the same events.
///
/// An init's objects are buffered and swapped in whole at `.initDone`, so readers never see half a
/// LIST; the swap yields `.added`/`.updated` for what the LIST holds and `.deleted` for what vanished
/// meanwhile. A new `.initStarted` discards an unfinished init.
public final class Reflector<Object: Sendable>: Sendable {
    public let store: Store<Object>
    /// An init's objects in the order they were listed. The store's dictionary is built once, at
    /// `.initDone`, at its final size, and the changes and the index rebuild follow the list order:
    /// objects allocated one after the other are read one after the other, where the dictionary's
    /// hash order would visit a million of them at random (a cache and TLB miss each). Kept under
    /// their store keys: a `StoreKeyed` object holds no key string while the LIST goes on (a string
    /// per object that lived until the end of the LIST, between the objects made meanwhile).
    private let pending = LockedState<[(key: StoreKey, object: Object)]?>(nil)

    public init(store: Store<Object> = Store<Object>()) {
        self.store = store
    }

    /// Applies `event`; returns the changes it made to the store, in order.
    @discardableResult
    public func apply(_ event: WatcherEvent<Object>) -> [InformerEvent<Object>] {
        switch event {
        case .initStarted:
            pending.withLock { $0 = [] }
            return []
        case .initApply(let key, let object):
            let stored = StoreKey.stored(key, object)
            pending.withLock { $0?.append((stored, object)) }
            return []
        case .initDone:
            let listed = pending.withLock { pending -> [(key: StoreKey, object: Object)] in
                defer { pending = nil }
                return pending ?? []
            }
            var fresh: [StoreKey: Object] = [:]
            fresh.reserveCapacity(listed.count)
            for (stored, object) in listed {
                if fresh.updateValue(object, forKey: stored) != nil {
                    fresh.removeValue(forKey: stored)  // the key is the earlier object: replace it too
                    fresh[stored] = object
                }
            }
            // A key listed twice (no API server does; a hand-fed reflector may) keeps its last
            // object, as a dictionary would: then the dictionary's order is the one that is right.
            let order: [(key: StoreKey, object: Object)] = fresh.count == listed.count ? listed : fresh.map { ($0.key, $0.value) }
            let old = store.replace(with: fresh, rebuildingIndexFrom: order.lazy.map(\.object))
            var changes: [InformerEvent<Object>] = []
            changes.reserveCapacity(order.count)
            for (key, object) in order {
                if let previous = old[key] {
                    changes.append(.updated(old: previous, new: object))
                } else {
                    changes.append(.added(object))
                }
            }
            for (key, object) in old where fresh[key] == nil {
                changes.append(.deleted(object))
            }
            return changes
        case .applied(let key, let object?):
            if let previous = store.set(key, object) {
                return [.updated(old: previous, new: object)]
            }
            return [.added(object)]
        case .applied(let key, nil), .deleted(let key):
            guard let previous = store.removeValue(key) else { return [] }
            return [.deleted(previous)]
        }
    }
}
