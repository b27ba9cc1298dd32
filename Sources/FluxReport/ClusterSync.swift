/// Which objects are the cluster's sync, the rule shared by the report and by whatever decides
/// that a change calls for a report at once: the Kustomization named by the first FluxInstance
/// (else the namespace's own name) in the operator's namespace, and the source it references.
public enum ClusterSync {
    /// One object by kind, namespace and name (the diagnosis' key).
    public typealias ObjectKey = FluxReport.ObjectKey

    /// The name of the cluster's sync Kustomization: `spec.sync.name` of the first FluxInstance by
    /// name, else (no instance, or one without a sync) the namespace's name.
    public static func kustomizationName(namespace: String, instances: [FluxInstanceInfo]) -> String {
        instances.sorted { $0.name < $1.name }.first?.syncName ?? namespace
    }

    /// The sync objects a snapshot names: the Kustomization (watched even while it does not exist,
    /// so its creation is noticed) and, once it is found, its source. nil when the FluxInstances
    /// could not be read, which leaves the previous answer standing.
    public static func objects(in snapshot: ReportSnapshot) -> Set<ObjectKey>? {
        guard case .success(let instances) = snapshot.fluxInstances else { return nil }
        let name = kustomizationName(namespace: snapshot.namespace, instances: instances)
        var objects: Set<ObjectKey> = [ObjectKey(kind: "Kustomization", namespace: snapshot.namespace, name: name)]
        if case .found(let sync) = snapshot.syncKustomization, let ref = sync.sourceRef {
            objects.insert(ObjectKey(kind: ref.kind, namespace: ref.namespace, name: ref.name))
        }
        return objects
    }
}
