import ControllerRuntime
import FluxReport
import TestSupport
import Testing
@testable import FluxReportOperator

/// A cached object is its own key in the informer store: comparing two of them in place must say
/// exactly what comparing their `namespace/name` texts says, and a store keyed so must follow a
/// model keyed by text through relists.
@Suite struct CachedFluxObjectKeyTests {
    static let namespaces = ["", "ns", "n", "flux-system", "a-namespace-longer-than-fifteen"]
    static let names = ["a", "b", "s/a", "ns", "x/a", "podinfo", "a-name-longer-than-fifteen-bytes", "é"]

    static func cached(_ namespace: String, _ name: String, _ value: Int = 0) -> CachedFluxObject {
        CachedFluxObject(FluxObject(kind: "Kustomization", namespace: namespace, name: name, resources: value))
    }

    @Test func comparingInPlaceAgreesWithTheKeysText() {
        var rng = TestRandom()
        for _ in 0..<2_000 {
            let a = Self.cached(rng.pick(Self.namespaces) ?? "", rng.pick(Self.names) ?? "")
            let b = Self.cached(rng.pick(Self.namespaces) ?? "", rng.pick(Self.names) ?? "")
            #expect(a.hasSameStoreKey(as: b) == (a.storeKey == b.storeKey), "\(rng): \(a.storeKey) vs \(b.storeKey)")
            #expect(a.hasSameStoreKey(as: a))
        }
    }

    @Test func relistsKeepTheStoreEqualToAModelOfTextKeys() {
        var rng = TestRandom()
        let reflector = Reflector<CachedFluxObject>()
        var model: [String: Int] = [:]
        for round in 0..<200 {
            var listed: [String: Int] = [:]
            _ = reflector.apply(.initStarted)
            for _ in 0..<rng.int(0...30) {
                let namespace = rng.pick(Self.namespaces) ?? "", name = rng.pick(Self.names) ?? ""
                let key = namespace.isEmpty ? name : "\(namespace)/\(name)"
                listed[key] = round
                _ = reflector.apply(.initApply(key: key, object: Self.cached(namespace, name, round)))
            }
            let changes = reflector.apply(.initDone(resourceVersion: String(round)))
            let deleted = changes.filter { if case .deleted = $0 { true } else { false } }.count
            #expect(deleted == Set(model.keys).subtracting(listed.keys).count, "\(rng) round \(round)")
            model = listed
            #expect(reflector.store.count == model.count, "\(rng) round \(round)")
            for (key, value) in model {
                #expect(reflector.store.get(key)?.object.resources == value, "\(rng) round \(round): \(key)")
            }
        }
    }
}
