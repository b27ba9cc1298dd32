import ControllerRuntime
import FluxReport

/// A kind's `KindAggregate`, kept by its informer's store in step with the cached objects, so
/// a report reads the aggregate instead of scanning the objects.
struct KindIndex: StoreIndex {
    var aggregate: KindAggregate

    mutating func add(_ object: CachedFluxObject) { aggregate.add(object.object) }
    mutating func remove(_ object: CachedFluxObject) { aggregate.remove(object.object) }
    mutating func reset() { aggregate = KindAggregate(staleFactor: aggregate.staleFactor) }
    /// Sorted once, not object by object: one insertion into the sorted deadlines moves half of
    /// them, so a relist of k objects cost k²/4 entry moves (minutes at a million objects).
    mutating func rebuild(from objects: some Collection<CachedFluxObject>) {
        aggregate = KindAggregate(objects: objects.lazy.map(\.object), staleFactor: aggregate.staleFactor)
    }
}
