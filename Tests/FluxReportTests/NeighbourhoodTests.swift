import FluxReport
import KubeCore
import Testing

/// The graph views against the brute-force model of `DiagnosisModelTests` on random fleets:
/// one object's neighbourhood (layers, edges, caps) and the cluster's root causes with what each blocks.
@Suite struct NeighbourhoodTests {
    typealias Spec = DiagnosisModelTests.Spec
    typealias Model = DiagnosisModelTests.Model

    /// Breadth-first layers from `start` over `next`, not entering `blocked`: distance by key.
    static func layers(from start: ObjectKey, next: (ObjectKey) -> [ObjectKey], blocked: Set<ObjectKey> = []) -> [ObjectKey: Int] {
        var distance: [ObjectKey: Int] = [start: 0]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let key = queue[head]
            head += 1
            for n in next(key) where distance[n] == nil && !blocked.contains(n) {
                distance[n] = (distance[key] ?? 0) + 1
                queue.append(n)
            }
        }
        distance[start] = nil
        return distance
    }

    @Test("without a cap: upstream to the roots and every dependent, in breadth-first layers, with every edge")
    func againstModel() throws {
        try DiagnosisModelTests.rounds(40) { _, round, fleet, model, diagnosis in
            func dependents(_ key: ObjectKey) -> [ObjectKey] { fleet.filter { model.dependencies($0.key).contains(key) }.map(\.key) }
            for spec in fleet {
                let context = "\(round) \(spec.key)"
                let n = try #require(diagnosis.neighbourhood(spec.key, limit: Neighbourhood.maxLimit), "\(context)")
                #expect(n.nodes.first?.object.key == spec.key && n.nodes.first?.layer == 0, "\(context)")
                let keys = n.nodes.map(\.object.key)
                #expect(Set(keys).count == keys.count, "\(context): a node twice")
                #expect(n.more.isEmpty, "\(context)")
                let up = Self.layers(from: spec.key, next: model.dependencies)
                let down = Self.layers(from: spec.key, next: { model.specs[$0] == nil ? [] : dependents($0) }, blocked: Set(up.keys))
                var expected: [ObjectKey: Int] = [spec.key: 0]
                for (key, d) in up { expected[key] = -d }
                for (key, d) in down { expected[key] = d }
                let got = Dictionary(n.nodes.map { ($0.object.key, $0.layer) }, uniquingKeysWith: { a, _ in a })
                #expect(got == expected, "\(context)")
                let edges = Set(n.edges.map { "\(keys[$0.from]) -> \(keys[$0.to])" })
                var modelEdges: Set<String> = []
                for from in keys { for to in model.dependencies(from) where got[to] != nil { modelEdges.insert("\(from) -> \(to)") } }
                #expect(edges == modelEdges, "\(context)")
                #expect(n.nodes.allSatisfy { $0.object.exists == (model.specs[$0.object.key] != nil) }, "\(context)")
            }
        }
    }

    @Test("with a cap: at most the cap, every placed node is a neighbour of a placed one, and each node's neighbours left out are counted")
    func capped() throws {
        try DiagnosisModelTests.rounds(100) { rng, round, fleet, model, diagnosis in
            guard let spec = fleet.randomElement(using: &rng) else { return }
            let limit = Int.random(in: 1...8, using: &rng)
            let n = try #require(diagnosis.neighbourhood(spec.key, limit: limit))
            let full = try #require(diagnosis.neighbourhood(spec.key, limit: Neighbourhood.maxLimit))
            let context = "\(round) \(spec.key) limit \(limit)"
            #expect(n.nodes.count <= limit, "\(context)")
            let keys = n.nodes.map(\.object.key)
            for node in n.nodes.dropFirst() {
                let placed = keys.contains { k in
                    model.dependencies(k).contains(node.object.key) || model.dependencies(node.object.key).contains(k)
                }
                #expect(placed, "\(context): \(node.object.key) hangs loose")
            }
            // Each placed node's neighbours in its walk's direction are placed or counted in its placeholder.
            let placedKeys = Set(keys)
            for (i, node) in n.nodes.enumerated() {
                func more(_ layer: Int) -> Int { n.more.filter { $0.node == i && $0.layer == layer }.reduce(0) { $0 + $1.count } }
                let key = node.object.key
                if node.layer <= 0 {
                    #expect(more(node.layer - 1) == model.dependencies(key).filter { !placedKeys.contains($0) }.count, "\(context) \(key)")
                }
                if node.layer >= 0 {
                    let dependents = fleet.filter { model.dependencies($0.key).contains(key) && !placedKeys.contains($0.key) }
                    #expect(more(node.layer + 1) == dependents.count, "\(context) \(key)")
                }
            }
            if n.more.isEmpty { #expect(n.nodes.count == full.nodes.count, "\(context)") }
            for more in n.more { #expect(more.count > 0, "\(context)") }
        }
    }

    @Test("a root with 5,000 dependents: 300 nodes and one placeholder for the rest")
    func hugeFanOut() throws {
        var fleet = [Spec(kind: "GitRepository", namespace: "a", name: "repo", state: .failing, suspended: false)]
        for i in 0..<5000 {
            fleet.append(Spec(kind: "Kustomization", namespace: "a", name: "k\(i)", state: .waiting, suspended: false,
                              source: ("GitRepository", nil, "repo")))
        }
        let diagnosis = Diagnosis(objects: fleet.map { FluxObject(json: $0.json, kind: $0.kind) }, now: DiagnosisModelTests.now)
        let n = try #require(diagnosis.neighbourhood(ObjectKey(kind: "GitRepository", namespace: "a", name: "repo")))
        #expect(n.nodes.count == Neighbourhood.defaultLimit)
        #expect(n.more.map { [$0.node, $0.layer, $0.count] } == [[0, 1, 5000 - (Neighbourhood.defaultLimit - 1)]])
        #expect(n.nodes[0].blocks == 5000)
        #expect(n.edges.count == Neighbourhood.defaultLimit - 1)
        #expect(diagnosis.neighbourhood(ObjectKey(kind: "GitRepository", namespace: "a", name: "nope")) == nil)

        let map = diagnosis.rootCauseMap(limit: 100)
        #expect(map.entries.count == 1 && map.more == 0)
        #expect(map.entries.first?.blocked.items.count == 99 && map.entries.first?.blocked.total == 5000)
    }

    @Test("the cluster view: each root cause, ranked, with exactly the blocked objects that name it")
    func rootCausesAgainstModel() {
        DiagnosisModelTests.rounds(100) { _, context, fleet, model, diagnosis in
            var blocked: [ObjectKey: [ObjectKey]] = [:]
            for spec in fleet where model.isBlocked(spec.key) {
                for root in model.roots(spec.key) { blocked[root, default: []].append(spec.key) }
            }
            let map = diagnosis.rootCauseMap(limit: RootCauseMap.maxLimit)
            #expect(map.entries.map(\.root.key) == diagnosis.problems().rootCauses.items.map(\.object.key), "\(context)")
            #expect(map.entries.count == min(blocked.count, RootCauseMap.maxRoots), "\(context)")
            for entry in map.entries {
                #expect(entry.blocked.items.map(\.key) == (blocked[entry.root.key] ?? []).sorted(), "\(context) \(entry.root.key)")
            }
            let small = diagnosis.rootCauseMap(limit: 5)
            #expect(small.entries.reduce(0) { $0 + 1 + $1.blocked.items.count } <= 5, "\(context)")
        }
    }
}
