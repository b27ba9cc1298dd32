/// Who depends on whom among one snapshot's Flux objects: each object's dependencies (`spec.dependsOn`
/// and its source reference) and its dependents, built once per snapshot.
///
/// Edges come from the projection (`FluxObject`): an object waiting on a dependency keeps its
/// `dependsOn` entries and source reference exactly (`SignalInputs.dependencies`); for any other
/// object the source is found by `sourceName` among the source kinds it can reference, in its
/// namespace. Storage is compressed rows of integers (no per-node arrays): a few words per object
/// and per edge besides the key index.
public struct DependencyGraph: Sendable {
    /// One end of an edge: an object of the snapshot, or a referenced object that does not exist.
    public enum Node: Hashable, Sendable {
        case object(Int)
        case missing(ObjectKey)
    }

    public let objects: [FluxObject]
    private let index: [ObjectKey: Int]
    /// Dependencies of object `i`: `targets[start[i]..<start[i + 1]]`; a negative target `-(m + 1)` is `missing[m]`.
    private let dependencyStart: [Int]
    private let dependencyTargets: [Int]
    private let missing: [ObjectKey]
    /// Dependents of object `i`: `dependentSources[dependentStart[i]..<dependentStart[i + 1]]`.
    private let dependentStart: [Int]
    private let dependentSources: [Int]

    /// Source kinds an object of a kind can reference by `sourceName`, most likely first.
    static let sourceKinds: [String: [String]] = [
        "Kustomization": ["GitRepository", "OCIRepository", "Bucket", "ExternalArtifact"],
        "HelmRelease": ["HelmRepository", "OCIRepository", "GitRepository", "Bucket", "HelmChart", "ExternalArtifact"],
        "HelmChart": ["HelmRepository", "GitRepository", "Bucket"],
        "ImagePolicy": ["ImageRepository"],
        "ImageUpdateAutomation": ["GitRepository"],
    ]

    public init(objects: [FluxObject]) {
        self.objects = objects
        var index: [ObjectKey: Int] = [:]
        index.reserveCapacity(objects.count)
        for (i, object) in objects.enumerated() where index[ObjectKey(object)] == nil {
            index[ObjectKey(object)] = i
        }
        var start = [0]
        start.reserveCapacity(objects.count + 1)
        var targets: [Int] = []
        var missing: [ObjectKey] = []
        var missingIndex: [ObjectKey: Int] = [:]
        var inDegree = [Int](repeating: 0, count: objects.count)
        for (i, object) in objects.enumerated() {
            let first = targets.count
            for key in Self.dependencyKeys(object, exists: { index[$0] != nil }) {
                let target: Int
                if let found = index[key] {
                    guard found != i else { continue }
                    target = found
                } else if let known = missingIndex[key] {
                    target = -(known + 1)
                } else {
                    missingIndex[key] = missing.count
                    missing.append(key)
                    target = -missing.count
                }
                // At most `SignalInputs.maxDependencies` per object: a linear check is cheapest.
                guard !targets[first...].contains(target) else { continue }
                targets.append(target)
                if target >= 0 { inDegree[target] += 1 }
            }
            start.append(targets.count)
        }
        // Dependents: the same edges reversed, laid out by a counting sort.
        var dependentStart = [Int](repeating: 0, count: objects.count + 1)
        for i in objects.indices { dependentStart[i + 1] = dependentStart[i] + inDegree[i] }
        var fill = dependentStart
        var sources = [Int](repeating: 0, count: dependentStart[objects.count])
        for i in objects.indices {
            for e in start[i]..<start[i + 1] where targets[e] >= 0 {
                sources[fill[targets[e]]] = i
                fill[targets[e]] += 1
            }
        }
        self.index = index
        dependencyStart = start
        dependencyTargets = targets
        self.missing = missing
        self.dependentStart = dependentStart
        dependentSources = sources
    }

    /// What an object depends on: its recorded dependencies when it waits on one, else its source
    /// found by name in its namespace among the kinds it can reference (the first that exists).
    static func dependencyKeys(_ object: FluxObject, exists: (ObjectKey) -> Bool) -> [ObjectKey] {
        let recorded = object.signals.dependencies
        if !recorded.isEmpty { return recorded.compactMap { ObjectKey(parsing: $0) } }
        guard !object.sourceName.isEmpty, let kinds = sourceKinds[object.kind] else { return [] }
        for kind in kinds {
            let key = ObjectKey(kind: kind, namespace: object.namespace, name: object.sourceName)
            if exists(key) { return [key] }
        }
        return []
    }

    public var count: Int { objects.count }

    /// The object with this key, if the snapshot has it.
    public func node(_ key: ObjectKey) -> Int? { index[key] }

    public func key(_ node: Node) -> ObjectKey {
        switch node {
        case .object(let i): return ObjectKey(objects[i])
        case .missing(let key): return key
        }
    }

    /// Object `i`'s dependencies, in the order of its spec.
    public func dependencies(of i: Int) -> [Node] {
        guard objects.indices.contains(i) else { return [] }
        return dependencyTargets[dependencyStart[i]..<dependencyStart[i + 1]].map { target in
            target >= 0 ? .object(target) : .missing(missing[-target - 1])
        }
    }

    /// The objects that depend on object `i` (`dependsOn` it or read it as their source).
    public func dependents(of i: Int) -> ArraySlice<Int> {
        guard objects.indices.contains(i) else { return [] }
        return dependentSources[dependentStart[i]..<dependentStart[i + 1]]
    }

    /// Heap bytes of the index beyond the objects themselves: arrays of words, and the key
    /// dictionary (whose strings share the objects' storage) at its usual load.
    public var estimatedHeapBytes: Int {
        let words = (dependencyStart.capacity + dependencyTargets.capacity + dependentStart.capacity + dependentSources.capacity) * 8
        let keyEntry = MemoryLayout<ObjectKey>.stride + MemoryLayout<Int>.stride + 1
        return words + index.capacity * keyEntry + missing.capacity * MemoryLayout<ObjectKey>.stride
    }
}
