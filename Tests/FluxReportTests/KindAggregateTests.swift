import Foundation
import KubeCore
import TestSupport
import Testing
@testable import FluxReport

/// Model-based: random add/update/delete sequences applied to a `KindAggregate` (and to a plain
/// dictionary, the model); after every step the aggregate's reads equal the from-scratch
/// computations over the model's objects.
@Suite("KindAggregate")
struct KindAggregateTests {
    static func randomObject(name: String, _ rng: inout TestRandom, now: Int64) -> FluxObject {
        func pick<T>(_ values: [T]) -> T { values[Int(rng.next() % UInt64(values.count))] }
        func time() -> Int64 { pick([0, 0, now - Int64(rng.next() % 20_000), now - 5, now + 100, Int64.max - 10, 1]) }
        var signals = SignalInputs()
        signals.interval = pick([0, 60, 300, 600, Int64.max / 2, -5])
        signals.lastReconcile = time()
        signals.periodic = pick([true, false])
        signals.created = time()
        signals.generationPending = pick([true, false])
        signals.drifted = pick([true, false, false])
        return FluxObject(
            kind: "Kustomization", namespace: pick(["apps", "app", "apps-x", "flux-system", "team-a"]), name: name,
            ready: pick(ReadyStatus.allCases), reason: pick(["ReconciliationSucceeded", "BuildFailed", "DependencyNotReady", ""]),
            readySince: pick([0, time(), 1_700_000_000, 1_700_000_000]), suspended: pick([false, false, true]),
            artifactSize: pick([0, 1, 1023, Int64(rng.next() % 100_000_000), FluxObject.maxArtifactSize]),
            alwaysReady: pick([false, false, true]), signals: signals)
    }

    @Test func incrementalEqualsFromScratchAfterEveryStep() {
        var rng = TestRandom()
        let seed = rng.seed
        print("KindAggregateTests: seed \(seed) (replay with TEST_SEED=\(seed))")
        
        let now: Int64 = 1_800_000_000
        for factor: Int64 in [3, 1, 0] {
            var model: [String: FluxObject] = [:]
            var aggregate = KindAggregate(staleFactor: factor)
            let names = (0..<Int(rng.next() % 60) + 1).map { "obj-\($0)" }
            for step in 0..<600 {
                let name = names[Int(rng.next() % UInt64(names.count))]
                let object = Self.randomObject(name: name, &rng, now: now)
                let key = "\(object.namespace)/\(object.name)"
                switch (rng.next() % 3, model[key]) {
                case (0, let old?):  // delete
                    aggregate = aggregate.removing(old)
                    model[key] = nil
                case (_, let old?):  // update: a MODIFIED is the old projection out, the new one in
                    aggregate = aggregate.removing(old).adding(object)
                    model[key] = object
                case (_, nil):  // add
                    aggregate = aggregate.adding(object)
                    model[key] = object
                }
                let objects = Array(model.values)
                let context = "seed \(seed) (TEST_SEED), factor \(factor), step \(step), \(objects.count) objects"
                #expect(aggregate.stats == KindStats(objects: objects), "\(context)")
                #expect(aggregate.stats.reconcilerStats == KindStats(objects: objects).reconcilerStats, "\(context)")
                #expect(aggregate.failingExamples() == FailingExamples.of(objects), "\(context)")
                for at in [now, now - 10_000, now + 10_000_000, Int64.max] {
                    #expect(aggregate.signals(now: at) == SignalSummary(objects: objects, now: at, factor: factor), "\(context), now \(at)")
                }
            }
        }
    }

    /// A report reads the signals with the clock moving forward (the aggregate keeps the stale
    /// examples of the last read and looks only at what turned stale since), with objects added,
    /// updated and removed between reads, examples among them; now and then the clock goes back.
    /// Every read equals the from-scratch summary.
    @Test func readsAsTheClockMovesEqualFromScratch() {
        var rng = TestRandom()
        let seed = rng.seed
        print("KindAggregateTests.readsAsTheClockMovesEqualFromScratch: seed \(seed) (replay with TEST_SEED=\(seed))")
        
        let now: Int64 = 1_800_000_000
        for factor: Int64 in [3, 1] {
            var model: [String: FluxObject] = [:]
            var aggregate = KindAggregate(staleFactor: factor)
            // Few names, so the examples themselves are often updated or removed.
            let names = (0..<Int(rng.next() % 40) + 2).map { "obj-\($0)" }
            var clock = now - 25_000
            for step in 0..<800 {
                for _ in 0..<Int(rng.next() % 4) {
                    let name = names[Int(rng.next() % UInt64(names.count))]
                    var object = Self.randomObject(name: name, &rng, now: now)
                    if rng.next() % 10 == 0 { object.namespace = "n\u{e9}" }  // String order, not bytes
                    let key = "\(object.namespace)/\(object.name)"
                    if let old = model[key] {
                        aggregate.remove(old)
                        model[key] = nil
                        if rng.next() % 3 == 0 { continue }  // a deletion
                    }
                    aggregate.add(object)
                    model[key] = object
                }
                switch rng.next() % 20 {
                case 0: clock -= Int64(rng.next() % 5_000)  // back: read from scratch
                case 1: break  // the same instant twice
                default: clock += Int64(rng.next() % 600)
                }
                let expected = SignalSummary(objects: Array(model.values), now: clock, factor: factor)
                #expect(aggregate.signals(now: clock) == expected,
                        "seed \(seed) (TEST_SEED), factor \(factor), step \(step), clock now\(clock - now), \(model.count) objects")
            }
        }
    }

    /// The order of a state's events does not matter: a shuffled replay gives the same reads.
    @Test func orderOfAdditionsDoesNotMatter() {
        var rng = TestRandom()
        let seed = rng.seed
        print("KindAggregateTests.orderOfAdditionsDoesNotMatter: seed \(seed) (replay with TEST_SEED=\(seed))")
        
        let now: Int64 = 1_800_000_000
        let objects = (0..<300).map { Self.randomObject(name: "obj-\($0)", &rng, now: now) }
        var shuffled = objects
        shuffled.shuffle(using: &rng)
        var a = KindAggregate(objects: objects, staleFactor: 3)
        var b = KindAggregate(objects: shuffled, staleFactor: 3)
        #expect(a.stats == b.stats, "seed \(seed)")
        #expect(a.failingExamples() == b.failingExamples(), "seed \(seed)")
        #expect(a.signals(now: now) == b.signals(now: now), "seed \(seed)")
        // The bulk build (deadlines sorted once) reads as the object-by-object one, then keeps
        // reading the same as both go on.
        var c = KindAggregate(staleFactor: 3)
        for object in shuffled { c.add(object) }
        for at in [now - 10_000, now, now + 500, now + 10_000_000] {
            #expect(b.signals(now: at) == c.signals(now: at), "seed \(seed), now \(at)")
        }
        for object in shuffled.prefix(100) {
            b.remove(object)
            c.remove(object)
        }
        #expect(b.signals(now: now + 10_000_000) == c.signals(now: now + 10_000_000), "seed \(seed)")
        #expect(a.signals(now: now).stale > 0, "seed \(seed): the generator makes stale objects")
    }

    /// Names outside ASCII (which the API server refuses, but the rule must not depend on it) are
    /// ordered as Strings, like the from-scratch summary.
    @Test func staleExamplesOfNonASCIINames() {
        var rng = TestRandom()
        let seed = rng.seed
        print("KindAggregateTests.staleExamplesOfNonASCIINames: seed \(seed) (replay with TEST_SEED=\(seed))")
        
        let now: Int64 = 1_800_000_000
        let names = ["e\u{301}", "\u{e9}", "z", "a", "ä-x", "a-x", "Ω", "obj"]
        var objects: [FluxObject] = []
        for (index, name) in names.enumerated() {
            var object = Self.randomObject(name: name, &rng, now: now)
            object.namespace = index % 2 == 0 ? "ns" : "n\u{e9}"
            object.suspended = false
            object.signals.interval = 60
            object.signals.periodic = true
            object.signals.lastReconcile = now - 10_000
            objects.append(object)
        }
        var aggregate = KindAggregate(objects: objects, staleFactor: 3)
        #expect(aggregate.signals(now: now) == SignalSummary(objects: objects, now: now, factor: 3), "seed \(seed)")
        #expect(aggregate.signals(now: now).stale == names.count, "seed \(seed)")
    }
}
