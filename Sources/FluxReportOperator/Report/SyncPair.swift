import ControllerRuntime
import FluxReport
import KubeCore

/// The cluster sync pair (`ClusterSync.objects`) as the report reconciler last found it. Changes to
/// these objects call for a report at once (with its SyncFailed/SyncRecovered events); other
/// objects are counted at the interval, while their metrics are live anyway.
final class SyncPair: Sendable {
    private let objects = LockedState<Set<ClusterSync.ObjectKey>>([])

    func update(_ objects: Set<ClusterSync.ObjectKey>) { self.objects.withLock { $0 = objects } }

    func contains(_ object: CachedFluxObject) -> Bool {
        let object = object.object
        return objects.withLock { $0.contains(ClusterSync.ObjectKey(kind: object.kind, namespace: object.namespace, name: object.name)) }
    }

    /// Whether any of `events` concerns the pair: one lock for a batch.
    func touches(_ events: [InformerEvent<CachedFluxObject>]) -> Bool {
        let objects = self.objects.withLock { $0 }
        return !objects.isEmpty && events.contains { event in
            let object = event.object.object
            return objects.contains(ClusterSync.ObjectKey(kind: object.kind, namespace: object.namespace, name: object.name))
        }
    }

    /// Passes the events of the pair's objects.
    var predicate: Predicate<CachedFluxObject> {
        Predicate(create: contains, update: { [self] _, new in contains(new) }, delete: contains)
    }
}
