import FluxReport
import TestSupport
import Testing
@testable import FluxReportOperator

/// A scrape's grouping of a kind by bucket (`KindSnapshot.group`) against a model: each bucket holds
/// exactly the objects whose slot maps to it, in namespace/name byte order, whatever the order the
/// store lists them in.
@Suite struct KindSnapshotTests {
    @Test func bucketsHoldTheirObjectsInNameOrder() {
        var random = TestRandom()
        print("KindSnapshotTests.bucketsHoldTheirObjectsInNameOrder: \(random)")
        let namespaces = ["a", "apps", "b", "flux-system", "ns-é", "zz"]
        for round in 0..<40 {
            let count = [0, 1, Int.random(in: 2...50, using: &random), Int.random(in: 50...3_000, using: &random)].randomElement(using: &random) ?? 0
            let buckets = 1 << Int.random(in: 0...10, using: &random)
            var seen = Set<String>()
            var objects: [CachedFluxObject] = []
            while objects.count < count {
                let namespace = namespaces.randomElement(using: &random) ?? "a"
                let name = "obj-\(Int.random(in: 0...count * 4, using: &random))" + (Bool.random(using: &random) ? "x" : "")
                guard seen.insert("\(namespace)/\(name)").inserted else { continue }
                objects.append(CachedFluxObject(FluxObject(kind: "Kustomization", namespace: namespace, name: name, ready: .true, reason: "Succeeded")))
            }
            objects.shuffle(using: &random)
            let grouped = KindSnapshot.group(objects, buckets: buckets)
            #expect(grouped.starts.count == buckets + 1 && grouped.starts.first == 0 && grouped.starts.last == count, "round \(round), \(random)")
            #expect(grouped.objects.count == count)
            for bucket in 0..<buckets {
                let want = objects.filter { ObjectSeriesCache.slot($0.object) & (buckets - 1) == bucket }
                    .map { (namespace: Array($0.object.namespace.utf8), name: Array($0.object.name.utf8)) }
                    .sorted { $0.namespace != $1.namespace ? $0.namespace.lexicographicallyPrecedes($1.namespace)
                                                           : $0.name.lexicographicallyPrecedes($1.name) }
                let got = grouped.objects[grouped.starts[bucket]..<grouped.starts[bucket + 1]]
                    .map { (namespace: Array($0.object.namespace.utf8), name: Array($0.object.name.utf8)) }
                #expect(got.map(\.namespace) == want.map(\.namespace) && got.map(\.name) == want.map(\.name),
                        "round \(round): bucket \(bucket) of \(buckets), \(count) objects, \(random)")
            }
        }
    }
}
