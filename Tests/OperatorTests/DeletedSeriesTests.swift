import ControllerRuntime
import FluxReport
import Foundation
import KubeCore
import KubeFake
import Logging
import TestSupport
import Testing
@testable import FluxReportOperator

/// The `gotk_reconcile_condition{status="Deleted"}` memory of deleted objects: bounded, oldest
/// evicted first, and cheap per event even when a mass deletion overflows it (it runs under the
/// informer's lock).
@Suite(.serialized) struct DeletedSeriesTests {
    static func collector(limit: Int) -> FluxMetricsCollector {
        // The cache is never run: only the deleted-object memory is exercised.
        let api = FakeKubeAPI()
        let cache = ClusterCache(api: api, namespace: "flux-system", logger: Logger(label: "test"))
        return FluxMetricsCollector(cache: cache, series: ObjectSeriesCache(), objectLabels: .none, gotk: true, deletedLimit: limit,
                                    isLeader: { true })
    }

    static func object(_ name: String) -> FluxObject {
        let json: JSONValue = [
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": ["name": .string(name), "namespace": "apps", "uid": .string("u-\(name)")],
        ]
        return FluxObject(json: json, kind: "Kustomization")
    }

    /// Names with a Deleted=1 series on a scrape.
    static func deletedNames(_ collector: FluxMetricsCollector) -> Set<String> {
        var buffer: [UInt8] = []
        collector.collect(into: &buffer)
        var names: Set<String> = []
        for line in String(decoding: buffer, as: UTF8.self).split(separator: "\n")
        where line.hasPrefix("gotk_reconcile_condition{") && line.contains(#"status="Deleted"} 1"#) {
            guard let start = line.range(of: #"name=""#), let end = line[start.upperBound...].firstIndex(of: "\"") else { continue }
            names.insert(String(line[start.upperBound..<end]))
        }
        return names
    }

    /// Seconds to delete `3 × limit` objects into a memory of `limit`.
    static func massDeletion(limit: Int) -> Double {
        let collector = collector(limit: limit)
        let objects = (0..<(3 * limit)).map { object("k-\($0)") }
        let started = ContinuousClock.now
        for object in objects { collector.objectEvents([.deleted(CachedFluxObject(object))]) }
        return (ContinuousClock.now - started) / .seconds(1)
    }

    @Test("a mass deletion costs O(1) per event, not a scan of every remembered object")
    func massDeletionIsLinear() {
        // Best of three, against a shared machine's noise. 8× the objects: linear is ~8× the time,
        // a scan per eviction ~64×.
        let small = (0..<3).map { _ in Self.massDeletion(limit: 500) }.min() ?? 0
        let large = (0..<3).map { _ in Self.massDeletion(limit: 4000) }.min() ?? 0
        let ratio = large / max(small, 1e-6)
        #expect(ratio < 24, "8× the deletions took \(ratio)× the time (\(small) s → \(large) s)")
        // And in absolute terms (debug build, loaded machine): 12,000 deletions into a memory of 4,000
        // take about a second; a scan per eviction would take about 20 s.
        #expect(large < 5, "12,000 deletions took \(large) s")
    }

    @Test("randomized deletes and re-adds: the memory matches a reference model (seed printed on failure)")
    func matchesModel() {
        var rng = TestRandom()
        let seed = rng.seed
        let limit = 8
        let collector = Self.collector(limit: limit)
        var model: [String] = []  // oldest first
        for step in 0..<2000 {
            let name = "k-\(rng.next() % 24)"
            if rng.next() % 3 == 0 {
                collector.objectEvents([.added(CachedFluxObject(Self.object(name)))])
                model.removeAll { $0 == name }
            } else {
                collector.objectEvents([.deleted(CachedFluxObject(Self.object(name)))])
                model.removeAll { $0 == name }
                model.append(name)
                if model.count > limit { model.removeFirst() }
            }
            if step % 50 == 0 || step == 1999 {
                let got = Self.deletedNames(collector)
                #expect(got == Set(model), "step \(step), seed \(seed)")
                if got != Set(model) { return }
            }
        }
    }
}

