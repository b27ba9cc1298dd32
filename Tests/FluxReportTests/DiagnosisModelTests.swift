import FluxReport
import Foundation
import KubeCore
import Testing

/// The diagnosis against a brute-force model over random fleets: random `dependsOn` graphs (cycles
/// included), sources that exist or not, random Ready states and suspensions. The model restates
/// docs/diagnosis.md directly on the fleet's description, not on the projection.
@Suite struct DiagnosisModelTests {
    static let now: Int64 = 1_764_000_000

    /// One object of a random fleet, as the model sees it.
    struct Spec {
        enum State: CaseIterable { case ready, failing, waiting, unknown }
        var kind: String
        var namespace: String
        var name: String
        var state: State
        var suspended: Bool
        /// `dependsOn` names, same kind; a namespace when it points elsewhere.
        var dependsOn: [(namespace: String?, name: String)] = []
        /// The source reference; a namespace when it points elsewhere.
        var source: (kind: String, namespace: String?, name: String)?

        var key: ObjectKey { ObjectKey(kind: kind, namespace: namespace, name: name) }
        var readyStatus: String { state == .ready ? "True" : state == .unknown ? "Unknown" : "False" }
        var reason: String { state == .failing ? "BuildFailed" : state == .waiting ? "DependencyNotReady" : "Succeeded" }

        /// What the model says the object depends on, whatever its state: its `dependsOn`, then its
        /// source, each once, never itself.
        var dependencies: [ObjectKey] {
            var keys = dependsOn.map { ObjectKey(kind: kind, namespace: $0.namespace ?? namespace, name: $0.name) }
            if let source { keys.append(ObjectKey(kind: source.kind, namespace: source.namespace ?? namespace, name: source.name)) }
            var unique: [ObjectKey] = []
            for key in keys where !unique.contains(key) && key != self.key { unique.append(key) }
            return unique
        }

        var json: JSONValue {
            var spec: JSONValue = ["interval": "10m", "suspend": .bool(suspended)]
            if !dependsOn.isEmpty {
                spec["dependsOn"] = .array(dependsOn.map { d in
                    var entry: JSONValue = ["name": .string(d.name)]
                    if let ns = d.namespace { entry["namespace"] = .string(ns) }
                    return entry
                })
            }
            if let source {
                var ref: JSONValue = ["kind": .string(source.kind), "name": .string(source.name)]
                if let ns = source.namespace { ref["namespace"] = .string(ns) }
                if kind == "HelmRelease", source.kind == "OCIRepository" {
                    spec["chartRef"] = ref
                } else if kind == "HelmRelease" {
                    spec["chart"] = ["spec": ["chart": "c", "sourceRef": ref]]
                } else {
                    spec["sourceRef"] = ref
                }
            }
            let status: JSONValue = ["observedGeneration": 1, "lastHandledReconcileAt": .string(Timestamp.rfc3339(secondsSinceEpoch: DiagnosisModelTests.now - 60))]
            var json = fluxObject(kind: kind, apiVersion: "x.toolkit.fluxcd.io/v1", name: name, namespace: namespace, spec: spec,
                                  ready: readyStatus, reason: reason, message: "\(reason) of \(name)", status: status)
            json["metadata"]["generation"] = 1
            return json
        }
    }

    static func randomFleet(_ rng: inout SplitMix64) -> [Spec] {
        let namespaces = ["a", "b", "c"].prefix(Int.random(in: 1...3, using: &rng))
        var specs: [Spec] = []
        let count = Int.random(in: 1...80, using: &rng)
        let names = (0..<max(4, count / 3)).map { "o\($0)" }
        var taken: Set<ObjectKey> = []
        for _ in 0..<count {
            let kind = ["Kustomization", "Kustomization", "HelmRelease", "GitRepository", "HelmRepository", "OCIRepository"]
                .randomElement(using: &rng) ?? "Kustomization"
            let namespace = namespaces.randomElement(using: &rng) ?? "a"
            let name = names.randomElement(using: &rng) ?? "o0"
            guard taken.insert(ObjectKey(kind: kind, namespace: namespace, name: name)).inserted else { continue }
            var spec = Spec(kind: kind, namespace: namespace, name: name,
                            state: Spec.State.allCases.randomElement(using: &rng) ?? .ready, suspended: Int.random(in: 0..<8, using: &rng) == 0)
            if kind == "Kustomization" || kind == "HelmRelease" {
                for _ in 0..<Int.random(in: 0...3, using: &rng) {
                    let other = Int.random(in: 0..<6, using: &rng) == 0 ? namespaces.randomElement(using: &rng) : nil
                    spec.dependsOn.append((other, names.randomElement(using: &rng) ?? "o0"))
                }
                if Int.random(in: 0..<4, using: &rng) > 0 {
                    let kinds = kind == "HelmRelease" ? ["HelmRepository", "OCIRepository", "GitRepository"] : ["GitRepository", "OCIRepository"]
                    let other = Int.random(in: 0..<6, using: &rng) == 0 ? namespaces.randomElement(using: &rng) : nil
                    spec.source = (kinds.randomElement(using: &rng) ?? "GitRepository", other, names.randomElement(using: &rng) ?? "o0")
                }
            }
            specs.append(spec)
        }
        return specs
    }

    /// The model: roots by depth-first search over the model's edges.
    struct Model {
        let specs: [ObjectKey: Spec]

        init(_ fleet: [Spec]) { specs = Dictionary(fleet.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a }) }

        func dependencies(_ key: ObjectKey) -> [ObjectKey] { specs[key]?.dependencies ?? [] }

        /// Missing; failing and not suspended; or suspended and not Ready.
        func isRoot(_ key: ObjectKey) -> Bool {
            guard let s = specs[key] else { return true }
            if s.suspended { return s.state != .ready }
            return s.state == .failing
        }

        func isBlocked(_ key: ObjectKey) -> Bool {
            guard let s = specs[key] else { return false }
            return !s.suspended && s.state == .waiting
        }

        func roots(_ start: ObjectKey) -> Set<ObjectKey> {
            guard isBlocked(start) else { return [] }
            var seen: Set<ObjectKey> = [start]
            var stack = dependencies(start)
            var roots: Set<ObjectKey> = []
            while let key = stack.popLast() {
                guard seen.insert(key).inserted else { continue }
                if isRoot(key) { roots.insert(key) } else if specs[key]?.state == .waiting { stack += dependencies(key) }
            }
            return roots
        }

        /// Shortest number of edges from start to each root through blocked objects.
        func distances(_ start: ObjectKey) -> [ObjectKey: Int] {
            var distance: [ObjectKey: Int] = [start: 0]
            var queue = [start]
            var head = 0
            var out: [ObjectKey: Int] = [:]
            while head < queue.count {
                let key = queue[head]
                head += 1
                guard key == start || isBlocked(key) else { continue }
                for next in dependencies(key) where distance[next] == nil {
                    distance[next] = distance[key, default: 0] + 1
                    if isRoot(next) { out[next] = distance[next] } else { queue.append(next) }
                }
            }
            return out
        }
    }

    /// `count` seeded rounds, each over a new random fleet, its model and its diagnosis (lists up to 1,000).
    static func rounds(_ count: Int, _ body: (inout SplitMix64, String, [Spec], Model, Diagnosis) throws -> Void) rethrows {
        try seeded { rng, seed in
            for round in 0..<count {
                let fleet = randomFleet(&rng)
                let diagnosis = Diagnosis(objects: fleet.map { FluxObject(json: $0.json, kind: $0.kind) }, now: now,
                                          settings: DiagnosisSettings(items: 1000, paths: 1000, pathDepth: 1000))
                try body(&rng, "\(seed) round \(round)", fleet, Model(fleet), diagnosis)
            }
        }
    }

    @Test("ranked root causes, blocked counts, counts and paths agree with the brute-force model")
    func againstModel() throws {
        try Self.rounds(150) { _, context, fleet, model, diagnosis in
            var blocks: [ObjectKey: Int] = [:]
            for spec in fleet where model.isBlocked(spec.key) {
                for root in model.roots(spec.key) { blocks[root, default: 0] += 1 }
            }
            let expected = blocks.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            let problems = diagnosis.problems()
            let got = problems.rootCauses.items.map { ($0.object.key, $0.blocks) }
            #expect(got.map(\.0) == expected.map(\.key), "\(context)")
            #expect(got.map(\.1) == expected.map(\.value), "\(context)")
            #expect(problems.rootCauses.items.allSatisfy { $0.object.exists == (model.specs[$0.object.key] != nil) }, "\(context)")

            let c = problems.counts
            #expect(c.objects == fleet.count, "\(context)")
            #expect(c.failing == fleet.filter { !$0.suspended && $0.state == .failing }.count, "\(context)")
            #expect(c.blocked == fleet.filter { model.isBlocked($0.key) }.count, "\(context)")
            #expect(c.suspended == fleet.filter(\.suspended).count, "\(context)")
            #expect(c.rootCauses == blocks.count, "\(context)")
            #expect(c.failingAlone == fleet.filter { !$0.suspended && $0.state == .failing && blocks[$0.key] == nil }.count, "\(context)")
            #expect(problems.failing.items.map(\.key) == fleet.filter { !$0.suspended && $0.state == .failing && blocks[$0.key] == nil }
                .map(\.key).sorted(), "\(context)")  // all since the same time: by key

            for spec in fleet {
                let explanation = try #require(diagnosis.explain(spec.key), "\(context)")
                // Dependencies and dependents: the model's edges, both ways.
                #expect(explanation.dependencies.items.map(\.key) == model.dependencies(spec.key), "\(context) \(spec.key)")
                let dependents = fleet.filter { model.dependencies($0.key).contains(spec.key) }.map(\.key)
                #expect(Set(explanation.dependents.items.map(\.key)) == Set(dependents), "\(context) \(spec.key)")
                #expect(explanation.dependents.total == dependents.count, "\(context) \(spec.key)")
                #expect(explanation.blocks == blocks[spec.key] ?? 0, "\(context) \(spec.key)")

                // Paths: one shortest path per root, each edge a model edge through blocked objects.
                let distances = model.distances(spec.key)
                let paths = explanation.paths.items
                #expect(Set(paths.compactMap(\.last)) == model.roots(spec.key), "\(context) \(spec.key)")
                #expect(paths.count == model.roots(spec.key).count, "\(context) \(spec.key)")
                for path in paths {
                    #expect(path.first == spec.key, "\(context) \(path)")
                    #expect(path.count - 1 == distances[path.last ?? spec.key], "\(context) \(path): not shortest")
                    for (from, to) in zip(path, path.dropFirst()) {
                        #expect(model.dependencies(from).contains(to), "\(context) \(path): \(from) → \(to) is no edge")
                    }
                    #expect(path.dropFirst().dropLast().allSatisfy(model.isBlocked), "\(context) \(path)")
                }
                if model.isBlocked(spec.key), !model.roots(spec.key).isEmpty {
                    #expect(explanation.object.state.hasPrefix("blocked by "), "\(context) \(explanation.object.state)")
                }
            }
        }
    }

    @Test("an object keeps its edges whatever its state: Ready, waiting on a dependency, Ready again, failing")
    func edgesThroughStates() throws {
        try Self.rounds(40) { rng, context, original, model, _ in
            var fleet = original
            guard let i = fleet.indices.filter({ !fleet[$0].dependencies.isEmpty }).randomElement(using: &rng) else { return }
            let key = fleet[i].key
            for state in [Spec.State.ready, .waiting, .ready, .failing, .unknown] {
                fleet[i].state = state
                let diagnosis = Diagnosis(objects: fleet.map { FluxObject(json: $0.json, kind: $0.kind) }, now: Self.now,
                                          settings: DiagnosisSettings(items: 1000))
                let explanation = try #require(diagnosis.explain(key), "\(context)")
                #expect(explanation.dependencies.items.map(\.key) == model.dependencies(key), "\(context) \(state)")
                for dependency in model.dependencies(key) where model.specs[dependency] != nil {
                    let up = try #require(diagnosis.explain(dependency))
                    #expect(up.dependents.items.map(\.key).contains(key), "\(context) \(state): \(dependency) lost \(key)")
                }
            }
        }
    }

    @Test("edges cost nothing in the common case and are read back exactly in the others")
    func compactEdges() {
        func project(_ spec: JSONValue, kind: String = "Kustomization") -> FluxObject {
            FluxObject(json: fluxObject(kind: kind, apiVersion: "x.toolkit.fluxcd.io/v1", name: "app", namespace: "team", spec: spec), kind: kind)
        }
        // A source in the object's namespace: one byte, no box.
        let plain = project(["sourceRef": ["kind": "GitRepository", "name": "a-rather-long-repository-name"]])
        #expect(plain.signals.sourceKind != 0 && plain.signals.boxBytes == 0)
        #expect(plain.dependencies == [ObjectKey(kind: "GitRepository", namespace: "team", name: "a-rather-long-repository-name")])
        // dependsOn in and out of the namespace, an explicit kind, a source elsewhere, an unknown source kind.
        let mixed = project(["dependsOn": [["name": "infra"], ["name": "db", "namespace": "data"], ["name": "x", "kind": "HelmRelease"],
                                           ["name": "bad/name"], ["name": ""]],
                             "sourceRef": ["kind": "OCIRepository", "name": "apps", "namespace": "flux-system"]])
        #expect(mixed.dependencies == [
            ObjectKey(kind: "Kustomization", namespace: "team", name: "infra"), ObjectKey(kind: "Kustomization", namespace: "data", name: "db"),
            ObjectKey(kind: "HelmRelease", namespace: "team", name: "x"), ObjectKey(kind: "OCIRepository", namespace: "flux-system", name: "apps"),
        ])
        let odd = project(["sourceRef": ["kind": "SomethingElse", "name": "s"]])
        #expect(odd.dependencies == [ObjectKey(kind: "SomethingElse", namespace: "team", name: "s")])
        // A reference without a kind: the kind's implied source.
        let policy = project(["imageRepositoryRef": ["name": "podinfo"]], kind: "ImagePolicy")
        #expect(policy.dependencies == [ObjectKey(kind: "ImageRepository", namespace: "team", name: "podinfo")])
        #expect(project([:]).dependencies.isEmpty)
    }

    @Test("a chain longer than the path depth and a fleet larger than the list cap stay bounded")
    func bounds() throws {
        // base ← k1 ← k2 ← … ← k99, all waiting; and 120 failing objects besides.
        var fleet: [Spec] = [Spec(kind: "Kustomization", namespace: "a", name: "k0", state: .failing, suspended: false)]
        for i in 1..<100 {
            fleet.append(Spec(kind: "Kustomization", namespace: "a", name: "k\(i)", state: .waiting, suspended: false, dependsOn: [(nil, "k\(i - 1)")]))
        }
        for i in 0..<120 { fleet.append(Spec(kind: "Kustomization", namespace: "b", name: "f\(i)", state: .failing, suspended: false)) }
        let objects = fleet.map { FluxObject(json: $0.json, kind: $0.kind) }
        let diagnosis = Diagnosis(objects: objects, now: Self.now, settings: DiagnosisSettings(items: 10, paths: 2, pathDepth: 8))
        let problems = diagnosis.problems()
        #expect(problems.rootCauses.items.first?.object.key.name == "k0")
        #expect(problems.rootCauses.items.first?.blocks == 99)
        #expect(problems.failing.items.count == 10 && problems.failing.more == 110)
        // The root of k99 is 99 hops away: beyond the depth, so no path is shown.
        let far = try #require(diagnosis.explain(ObjectKey(kind: "Kustomization", namespace: "a", name: "k99")))
        #expect(far.paths.isEmpty)
        #expect(far.object.state == "blocked by Kustomization a/k0")
        let near = try #require(diagnosis.explain(ObjectKey(kind: "Kustomization", namespace: "a", name: "k5")))
        #expect(near.paths.items == [(0...5).reversed().map { ObjectKey(kind: "Kustomization", namespace: "a", name: "k\($0)") }])
        let base = try #require(diagnosis.explain(ObjectKey(kind: "Kustomization", namespace: "a", name: "k0")))
        #expect(base.blocks == 99)
        #expect(base.dependents.items.map(\.key.name) == ["k1"])
    }

    @Test("states in words: failing with flips, stale with its interval, drifted, suspended by someone")
    func words() {
        let hour: Int64 = 3600
        var history = SignalHistory()
        history.failingSince = Self.now - 3 * hour
        history.transitions = 5
        let failing = FluxObject(json: Spec(kind: "Kustomization", namespace: "a", name: "f", state: .failing, suspended: false).json, kind: "Kustomization")
        var staleJSON = Spec(kind: "Kustomization", namespace: "a", name: "s", state: .ready, suspended: false).json
        staleJSON["status"]["history"] = [["lastReconciled": .string(Timestamp.rfc3339(secondsSinceEpoch: Self.now - 2 * hour))]]
        staleJSON["status"]["lastHandledReconcileAt"] = .null
        let stale = FluxObject(json: staleJSON, kind: "Kustomization")
        var suspendedJSON = Spec(kind: "Kustomization", namespace: "a", name: "p", state: .ready, suspended: true).json
        suspendedJSON["metadata"]["annotations"] = ["fluxcd.controlplane.io/suspendedBy": "alice@example.com",
                                                    "fluxcd.controlplane.io/suspendedAt": .string(Timestamp.rfc3339(secondsSinceEpoch: Self.now - 3 * 86400))]
        let suspended = FluxObject(json: suspendedJSON, kind: "Kustomization")
        let diagnosis = Diagnosis(objects: [failing, stale, suspended], now: Self.now) { $0.name == "f" ? history : nil }
        func state(_ name: String) -> String {
            diagnosis.explain(ObjectKey(kind: "Kustomization", namespace: "a", name: name))?.object.state ?? "?"
        }
        #expect(state("f") == "failing since 3h (5 flips)")
        #expect(state("s") == "stale: no reconcile for 2h (interval 10m)")
        #expect(state("p") == "suspended by alice@example.com since 3d")
        let problems = diagnosis.problems()
        #expect(problems.longSuspended.items.map(\.key.name) == ["p"])
        #expect(problems.stale.items.map(\.key.name) == ["s"])
        #expect(problems.counts.stale == 1 && problems.counts.longSuspended == 1 && problems.counts.failing == 1)
        #expect(problems.headline == "3 Flux objects: 1 failing, 1 stale, 1 suspended")
        #expect(Diagnosis(objects: [], now: Self.now).problems().headline == "All 0 Flux objects are Ready")
    }
}
