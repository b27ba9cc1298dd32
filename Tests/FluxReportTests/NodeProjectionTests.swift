import FluxReport
import KubeCore
import TestSupport
import Testing

/// The projection read lazily from a `JSONDocument` (LIST pages) equals the projection of the
/// `JSONValue` tree the same bytes parse to, for every kind's reading rules: real manifests,
/// the report fixtures' fleet, hostile objects and randomly damaged objects (seeded).
@Suite struct NodeProjectionTests {
    static let kinds = Array(GotkResourceInfo.kinds.sorted()) + ["ExternalArtifact"] + FluxKinds.operatorKinds.sorted()
    static let keepLabels = ["team", "app.kubernetes.io/name", "\u{212A}"]

    /// The first difference between the two projections of `bytes` (nil when equal or unparsable).
    static func difference(_ bytes: [UInt8], kinds: [String] = kinds) -> String? {
        guard let tree = try? JSONValue.parse(bytes) else { return nil }
        guard let node = try? JSONDocument(bytes: bytes).root else { return "the document rejects what JSONValue accepts" }
        if node.objectKey != tree.objectKey { return "objectKey \(node.objectKey) != \(tree.objectKey)" }
        if node.apiVersion != tree.apiVersion { return "apiVersion" }
        if node.condition("Ready") != tree.condition("Ready") { return "Ready condition" }
        for kind in kinds {
            for apiVersion in [nil, "fluxcd.controlplane.io/v1"] {
                let fromNode = FluxObject(json: node, kind: kind, apiVersion: apiVersion, keepLabels: keepLabels, gotkResourceInfo: true)
                let fromTree = FluxObject(json: tree, kind: kind, apiVersion: apiVersion, keepLabels: keepLabels, gotkResourceInfo: true)
                if fromNode != fromTree { return "\(kind) \(apiVersion ?? "-"): \(fromNode) != \(fromTree)" }
            }
        }
        return nil
    }

    @Test func fixtureManifests() throws {
        for version in ["v2.3.0", "v2.7.0"] {
            for document in try Fixtures.documents(version: version) {
                if let problem = Self.difference(document.serialized(), kinds: [document.kind ?? ""] + ["HelmRelease", "GitRepository"]) {
                    Issue.record("\(version) \(document.kind ?? "?") \(document.name): \(problem)")
                }
            }
        }
    }

    @Test func reportFleetAndHostileObjects() {
        var objects = SnapshotFactory.fleet() + [HostileObjectTests.huge(name: "huge")] + HostileObjectTests.wrongTypes
        objects.append(fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "dep",
                                  spec: ["dependsOn": [["name": "a"], ["name": "b", "namespace": "other"], ["name": ""], 7],
                                         "sourceRef": ["kind": "GitRepository", "name": "repo"], "interval": "10m"],
                                  ready: "False", reason: "DependencyNotReady", message: "waiting",
                                  labels: ["team": "t", "\u{212A}": "kelvin"],
                                  annotations: [SignalAnnotations.suspendedBy: "me", SignalAnnotations.suspendedAt: "2025-01-01T00:00:00Z"]))
        for object in objects {
            if let problem = Self.difference(object.serialized()) { Issue.record("\(object.name): \(problem)") }
        }
    }

    /// Raw texts a tree cannot express: duplicate keys (the last wins), escaped and canonically equal keys, number spellings.
    @Test func duplicateAndEscapedKeys() {
        let texts = [
            #"{"metadata":{"name":"a","name":"b","namespace":"n","namespace":7},"status":{"conditions":[{"type":"Ready","status":"True","status":"False","reason":"R"}]}}"#,
            #"{"metadata":{"labels":{"team":"x","team":1,"\u212A":"k","K":"K2"}},"spec":{"suspend":true,"suspend":false,"ur\u006C":"https://e"}}"#,
            #"{"met\u0061data":{"n\u0061me":"esc","annotations":{"fluxcd.controlplane.io/suspendedBy":"u","fluxcd.controlplane.io/suspendedBy":""}}}"#,
            #"{"status":{"history":[{"chartVersion":"1","lastReconciled":"2025-01-01T00:00:00Z"},{"chartVersion":"2"}],"history":[]}}"#,
            // Exact-integer doubles read as integers (the serializer never writes them: only raw text has them).
            #"{"metadata":{"generation":3e0},"status":{"artifact":{"size":12.0},"observedGeneration":2.0,"conditions":[{"type":"Ready","status":"False","reason":"DependencyNotReady"}]},"spec":{"dependsOn":[{"name":"a"}]}}"#,
        ]
        for text in texts {
            if let problem = Self.difference(Array(text.utf8)) { Issue.record("\(text): \(problem)") }
        }
    }

    /// Fleet objects with random members replaced by values of other types or removed.
    @Test("randomly damaged objects project the same both ways (seeded)")
    func damagedObjects() {
        var rng = TestRandom()
        let seed = rng.seed
        let fleet = SnapshotFactory.fleet()
        let replacements: [JSONValue] = [.null, true, 0, -1, 1.5, 3.0, 1e300, "", "True", "False", "2025-01-01T00:00:00Z", "10m",
                                         [], [[:]], [["type": "Ready", "status": "False", "reason": "DependencyNotReady"]], [:], ["name": "x"]]
        let paths: [[String]] = [
            ["metadata"], ["metadata", "name"], ["metadata", "labels"], ["metadata", "labels", "team"], ["metadata", "annotations"],
            ["metadata", "generation"], ["metadata", "creationTimestamp"], ["spec"], ["spec", "suspend"], ["spec", "url"],
            ["spec", "ref"], ["spec", "sourceRef"], ["spec", "dependsOn"], ["spec", "chart", "spec", "sourceRef"], ["spec", "chartRef"],
            ["spec", "interval"], ["status"], ["status", "conditions"], ["status", "artifact"], ["status", "artifact", "size"],
            ["status", "history"], ["status", "inventory", "entries"], ["status", "observedGeneration"], ["apiVersion"], ["kind"],
        ]
        for round in 0..<400 {
            var object = fleet[Int(rng.next() % UInt64(fleet.count))]
            for _ in 0..<(1 + rng.next() % 4) {
                let path = paths[Int(rng.next() % UInt64(paths.count))]
                let value = replacements[Int(rng.next() % UInt64(replacements.count))]
                Self.set(&object, path[...], to: value)
            }
            if let problem = Self.difference(object.serialized()) {
                Issue.record("seed \(seed) round \(round): \(problem) in \(object.serializedString())")
                return
            }
        }
    }

    static func set(_ json: inout JSONValue, _ path: ArraySlice<String>, to value: JSONValue) {
        guard let key = path.first else { json = value; return }
        var child = json[key]
        set(&child, path.dropFirst(), to: value)
        json[key] = child
    }
}
