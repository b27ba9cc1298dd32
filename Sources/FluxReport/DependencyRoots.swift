import KubeCore

/// Root causes of `DependencyNotReady`: follows `spec.dependsOn` and source references from a
/// blocked object to the objects that are themselves the problem — failing, suspended and not
/// Ready, or missing. Blocked objects on the way are followed further; cycles and long chains end
/// (each node is visited once, at most `maxVisits` per object).
public struct DependencyRoots {
    public static let dependencyNotReady = "DependencyNotReady"
    public static let maxVisits = 1000

    public static func key(kind: String, namespace: String, name: String) -> String { "\(kind)/\(namespace)/\(name)" }

    /// Looks an object up by `key(kind:namespace:name:)`.
    private let lookup: (String) -> FluxObject?
    private var memo: [String: [String]] = [:]

    public init(lookup: @escaping (String) -> FluxObject?) { self.lookup = lookup }

    /// The roots of a blocked object, sorted; empty when none is found (the dependencies are Ready
    /// again, or only blocked objects in a cycle).
    public mutating func roots(of object: FluxObject) -> [String] {
        let start = Self.key(kind: object.kind, namespace: object.namespace, name: object.name)
        if let known = memo[start] { return known }
        var roots: Set<String> = []
        var visited: Set<String> = [start]
        var queue = object.dependencies.map(\.description)
        var head = 0
        while head < queue.count, visited.count < Self.maxVisits {
            let key = queue[head]
            head += 1
            guard visited.insert(key).inserted else { continue }
            if let known = memo[key] {
                roots.formUnion(known)
                continue
            }
            guard let dependency = lookup(key) else {
                roots.insert(key)  // missing: the dependant waits for something that does not exist
                continue
            }
            if dependency.isFailing || (dependency.suspended && dependency.metricReady != .true) {
                roots.insert(key)
            } else if dependency.ready == .false && dependency.reason == Self.dependencyNotReady {
                queue += dependency.dependencies.map(\.description)
            }
        }
        let sorted = roots.sorted()
        memo[start] = sorted
        return sorted
    }
}
