/// One object's place in the dependency graph, for drawing: what it depends on up to the roots
/// (objects that depend on nothing), and what depends on it, in layers, at most `limit` nodes.
///
/// Layers count edges from the object: negative upstream (its dependencies at -1, theirs at -2),
/// positive downstream (its dependents at 1). Breadth first, each object placed once (the first
/// layer that reaches it: a cycle does not repeat), upstream first with at most half the nodes,
/// then downstream with the rest. Where a node's neighbours do not all fit, a placeholder says how
/// many of them were left out ("N more"), so a fan-out of thousands is drawn as one node.
public struct Neighbourhood: Sendable {
    public struct Node: Sendable {
        public var object: ObjectSummary
        public var layer: Int
        /// How many objects it blocks when it is a root cause.
        public var blocks: Int
    }

    /// Neighbours of `node` in the direction of `layer` that were left out.
    public struct More: Sendable, Equatable {
        public var node: Int
        public var layer: Int
        public var count: Int
    }

    /// `from` depends on `to` (indices into `nodes`).
    public struct Edge: Sendable, Hashable {
        public var from: Int
        public var to: Int
    }

    /// The object itself first (layer 0).
    public var nodes: [Node] = []
    public var edges: [Edge] = []
    public var more: [More] = []

    public static let defaultLimit = 300
    public static let maxLimit = 1000

    /// The placeholders' sum: direct neighbours of placed nodes left out (what lies beyond them is not counted).
    public var left: Int { more.reduce(0) { $0 + $1.count } }
}

extension Diagnosis {
    /// The neighbourhood of the object with this key (nil when the snapshot has none), at most
    /// `limit` nodes (clamped to `1...Neighbourhood.maxLimit`) besides the placeholders.
    public func neighbourhood(_ key: ObjectKey, limit: Int = Neighbourhood.defaultLimit) -> Neighbourhood? {
        guard let start = graph.node(key) else { return nil }
        let cap = min(max(1, limit), Neighbourhood.maxLimit)
        var result = Neighbourhood()
        var index: [DependencyGraph.Node: Int] = [:]
        func add(_ node: DependencyGraph.Node, layer: Int) -> Int {
            let i = result.nodes.count
            index[node] = i
            result.nodes.append(Neighbourhood.Node(object: summary(node), layer: layer, blocks: blocks(node)))
            return i
        }
        _ = add(.object(start), layer: 0)
        /// Neighbours not placed when their node was expanded; counted once both walks are done
        /// (the other walk may still place them).
        var cut: [(node: Int, layer: Int, neighbour: DependencyGraph.Node)] = []
        /// Neighbours left out by a walk stay out of the other: in a `dependsOn` cycle the other walk
        /// would place them in its own direction and drop what lies beyond them uncounted.
        var leftOut: Set<DependencyGraph.Node> = []

        /// Breadth first in one direction until `budget` nodes were added.
        func walk(direction: Int, budget: Int) {
            var frontier = [DependencyGraph.Node.object(start)]
            var added = 0
            var layer = 0
            while !frontier.isEmpty {
                layer += direction
                var next: [DependencyGraph.Node] = []
                for node in frontier {
                    guard case .object(let i) = node, let from = index[node] else { continue }
                    let neighbours: [DependencyGraph.Node] = direction < 0 ? graph.dependencies(of: i) : graph.dependents(of: i).map { .object($0) }
                    for neighbour in neighbours where index[neighbour] == nil {
                        guard added < budget, !leftOut.contains(neighbour) else {
                            cut.append((from, layer, neighbour))
                            leftOut.insert(neighbour)
                            continue
                        }
                        _ = add(neighbour, layer: layer)
                        added += 1
                        next.append(neighbour)
                    }
                }
                frontier = next
            }
        }
        let upstreamBudget = (cap - 1) / 2
        walk(direction: -1, budget: upstreamBudget)
        walk(direction: 1, budget: cap - result.nodes.count)
        var left: [[Int]: Int] = [:]  // [node, layer]: count
        for entry in cut where index[entry.neighbour] == nil { left[[entry.node, entry.layer], default: 0] += 1 }
        result.more = left.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map {
            Neighbourhood.More(node: $0.key[0], layer: $0.key[1], count: $0.value)
        }

        // Every edge between placed objects, whichever walk placed them.
        var edges: Set<Neighbourhood.Edge> = []
        for (node, from) in index {
            guard case .object(let i) = node else { continue }
            for dependency in graph.dependencies(of: i) {
                if let to = index[dependency] { edges.insert(Neighbourhood.Edge(from: from, to: to)) }
            }
        }
        result.edges = edges.sorted { ($0.from, $0.to) < ($1.from, $1.to) }
        return result
    }
}
