/// Who depends on whom among one snapshot's Flux objects: each object's dependencies (`spec.dependsOn`
/// and its source reference) and its dependents, built once per snapshot.
///
/// Edges come from the projection (`FluxObject.dependencies`): every object keeps its `dependsOn`
/// entries and its source reference, whatever its state. Storage is compressed rows of 32-bit
/// integers and a hash table of indices (no per-object arrays or strings): about 20 bytes per
/// object and 8 per edge.
public struct DependencyGraph: Sendable {
    /// One end of an edge: an object of the snapshot, or a referenced object that does not exist.
    public enum Node: Hashable, Sendable {
        case object(Int)
        case missing(ObjectKey)
    }

    public let objects: [FluxObject]
    /// Open-addressing table of object indices by key hash (-1: empty), a power of two at least
    /// twice the objects: 4 to 8 bytes per object instead of a dictionary entry with three strings.
    private let slots: [Int32]
    /// Dependencies of object `i`: `targets[start[i]..<start[i + 1]]`; a negative target `-(m + 1)` is `missing[m]`.
    private let dependencyStart: [Int32]
    private let dependencyTargets: [Int32]
    private let missing: [ObjectKey]
    /// Dependents of object `i`: `dependentSources[dependentStart[i]..<dependentStart[i + 1]]`.
    private let dependentStart: [Int32]
    private let dependentSources: [Int32]

    /// Objects beyond this are not indexed: with at most `SignalInputs.maxDependencies` edges each,
    /// every count fits in 32 bits (a fleet is far smaller).
    public static let maxObjects = 1 << 24

    public init(objects all: [FluxObject]) {
        let objects = all.count > Self.maxObjects ? Array(all.prefix(Self.maxObjects)) : all
        self.objects = objects
        var capacity = 16
        while capacity < 2 * objects.count { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        for (i, object) in objects.enumerated() {
            var h = Self.hash(object.kind, object.namespace, object.name) & (capacity - 1)
            var duplicate = false
            while slots[h] >= 0 {
                // Fields read in place: a copy of the projection would retain each of its references.
                if Self.sameKey(objects[Int(slots[h])], object) { duplicate = true; break }
                h = (h + 1) & (capacity - 1)
            }
            if !duplicate { slots[h] = Int32(truncatingIfNeeded: i) }  // i ≤ maxObjects
        }
        self.slots = slots
        func lookup(_ key: ObjectKey) -> Int? { Self.find(key, slots, objects) }

        var start: [Int32] = [0]
        start.reserveCapacity(objects.count + 1)
        var targets: [Int32] = []
        var missing: [ObjectKey] = []
        var missingIndex: [ObjectKey: Int32] = [:]
        var inDegree = [Int32](repeating: 0, count: objects.count)
        for (i, object) in objects.enumerated() {
            let first = targets.count
            for key in object.dependencies {
                let target: Int32
                if let found = lookup(key) {
                    guard found != i else { continue }
                    target = Int32(truncatingIfNeeded: found)
                } else if let known = missingIndex[key] {
                    target = -(known + 1)
                } else {
                    missingIndex[key] = Int32(truncatingIfNeeded: missing.count)
                    missing.append(key)
                    target = -Int32(truncatingIfNeeded: missing.count)
                }
                // At most `SignalInputs.maxDependencies` per object: a linear check is cheapest.
                guard !targets[first...].contains(target) else { continue }
                targets.append(target)
                if target >= 0 { inDegree[Int(target)] += 1 }
            }
            start.append(Int32(truncatingIfNeeded: targets.count))  // ≤ maxObjects × maxDependencies
        }
        // Dependents: the same edges reversed, laid out by a counting sort.
        var dependentStart = [Int32](repeating: 0, count: objects.count + 1)
        for i in objects.indices { dependentStart[i + 1] = dependentStart[i] + inDegree[i] }
        var fill = dependentStart
        var sources = [Int32](repeating: 0, count: Int(dependentStart[objects.count]))
        for i in objects.indices {
            for e in Int(start[i])..<Int(start[i + 1]) where targets[e] >= 0 {
                let target = Int(targets[e])
                sources[Int(fill[target])] = Int32(truncatingIfNeeded: i)
                fill[target] += 1
            }
        }
        dependencyStart = start
        dependencyTargets = targets
        self.missing = missing
        self.dependentStart = dependentStart
        dependentSources = sources
    }

    static func hash(_ kind: String, _ namespace: String, _ name: String) -> Int {
        var hasher = Hasher()
        hasher.combine(kind)
        hasher.combine(namespace)
        hasher.combine(name)
        return hasher.finalize()
    }

    static func find(_ key: ObjectKey, _ slots: [Int32], _ objects: [FluxObject]) -> Int? {
        let mask = slots.count - 1
        var h = hash(key.kind, key.namespace, key.name) & mask
        while slots[h] >= 0 {
            let i = Int(slots[h])
            if objects[i].has(key) { return i }
            h = (h + 1) & mask
        }
        return nil
    }

    /// The same kind, namespace and name (names first: they tell most objects apart).
    static func sameKey(_ a: FluxObject, _ b: FluxObject) -> Bool {
        a.withNameUTF8 { name in b.withNameUTF8 { name.elementsEqual($0) } }
            && a.sharedNamespace == b.sharedNamespace && a.typeMeta.kind == b.typeMeta.kind
    }

    public var count: Int { objects.count }

    /// The object with this key, if the snapshot has it.
    public func node(_ key: ObjectKey) -> Int? { Self.find(key, slots, objects) }

    public func key(_ node: Node) -> ObjectKey {
        switch node {
        case .object(let i): return ObjectKey(objects[i])
        case .missing(let key): return key
        }
    }

    /// Object `i`'s dependencies, in the order of its spec.
    public func dependencies(of i: Int) -> [Node] {
        guard objects.indices.contains(i) else { return [] }
        return dependencyTargets[Int(dependencyStart[i])..<Int(dependencyStart[i + 1])].map { target in
            target >= 0 ? .object(Int(target)) : .missing(missing[Int(-(target + 1))])
        }
    }

    /// The objects that depend on object `i` (`dependsOn` it or read it as their source).
    public func dependents(of i: Int) -> [Int] {
        guard objects.indices.contains(i) else { return [] }
        return dependentSources[Int(dependentStart[i])..<Int(dependentStart[i + 1])].map { Int($0) }
    }

    /// Heap bytes of the index beyond the objects themselves (arrays of 32-bit integers, and the
    /// keys of missing objects, whose strings share the referencing objects' storage).
    public var estimatedHeapBytes: Int {
        let integers = slots.capacity + dependencyStart.capacity + dependencyTargets.capacity + dependentStart.capacity + dependentSources.capacity
        return integers * 4 + missing.capacity * MemoryLayout<ObjectKey>.stride
    }
}
