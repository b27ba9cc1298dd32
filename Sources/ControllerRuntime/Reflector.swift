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
    private let pending = LockedState<[String: Object]?>(nil)

    public init(store: Store<Object> = Store<Object>()) {
        self.store = store
    }

    /// Applies `event`; returns the changes it made to the store, in order.
    @discardableResult
    public func apply(_ event: WatcherEvent<Object>) -> [InformerEvent<Object>] {
        switch event {
        case .initStarted:
            pending.withLock { $0 = [:] }
            return []
        case .initApply(let key, let object):
            pending.withLock { $0?[key] = object }
            return []
        case .initDone:
            let fresh = pending.withLock { pending -> [String: Object] in
                defer { pending = nil }
                return pending ?? [:]
            }
            let old = store.replace(with: fresh)
            var changes: [InformerEvent<Object>] = []
            changes.reserveCapacity(fresh.count)
            for (key, object) in fresh {
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
