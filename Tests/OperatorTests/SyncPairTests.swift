import ControllerRuntime
import FluxReport
import KubeCore
import Testing
import TestSupport
@testable import FluxReportOperator

/// The sync pair the report controller watches: its predicate passes an event, and `touches` a
/// batch, exactly when an object of the pair last set is concerned (seeded, against a set).
@Suite struct SyncPairTests {
    static let kinds = ["Kustomization", "GitRepository", "OCIRepository"]

    static func object(_ key: ClusterSync.ObjectKey) -> CachedFluxObject {
        let json: JSONValue = ["metadata": ["name": .string(key.name), "namespace": .string(key.namespace)]]
        return CachedFluxObject(FluxObject(json: json, kind: key.kind))
    }

    @Test func followsThePairLastSet() {
        var random = TestRandom()
        let pair = SyncPair()
        var model: Set<ClusterSync.ObjectKey> = []
        func key() -> ClusterSync.ObjectKey {
            ClusterSync.ObjectKey(kind: random.pick(Self.kinds) ?? "Kustomization", namespace: random.pick(["flux-system", "apps"]) ?? "apps",
                                  name: "o\(random.int(0...3))")
        }
        for _ in 0..<500 {
            if random.chance(0.2) {
                model = Set((0..<random.int(0...3)).map { _ in key() })
                pair.update(model)
            }
            let keys = (0..<random.int(0...5)).map { _ in key() }
            let batch: [InformerEvent<CachedFluxObject>] = keys.map { key in
                switch random.int(0...2) {
                case 0: .added(Self.object(key))
                case 1: .updated(old: Self.object(key), new: Self.object(key))
                default: .deleted(Self.object(key))
                }
            }
            for (key, event) in zip(keys, batch) {
                #expect(pair.predicate.accepts(event) == model.contains(key), "\(key) \(random)")
            }
            #expect(pair.touches(batch) == keys.contains { model.contains($0) }, "\(random)")
        }
    }
}
