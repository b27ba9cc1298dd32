import TestSupport
import Testing
@testable import FluxReportOperator

/// `ByteBudgetLRU` against a plain model (an array in recency order): random touches, insertions of
/// random sizes (some over the whole budget), removals and filtered removals, in epochs that advance
/// (scrapes) and sometimes go back (a slower scrape still rendering), under random budgets including
/// 0. After every step the two agree on the keys in recency order, their values, the bytes charged
/// and the evictions, and the bytes are within the budget. Replay a failure with
/// `BYTE_BUDGET_LRU_SEED=<seed>`.
@Suite struct ByteBudgetLRUTests {
    struct Model {
        let budget: Int
        /// Least recently touched first.
        var entries: [(key: Int, value: Int, bytes: Int, epoch: UInt64)] = []
        var evictions: UInt64 = 0

        var bytes: Int { entries.reduce(0) { $0 + $1.bytes } }

        mutating func touch(_ key: Int, epoch: UInt64) -> Int? {
            guard let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
            var entry = entries.remove(at: index)
            entry.epoch = max(entry.epoch, epoch)
            entries.append(entry)
            return entry.value
        }

        /// Room comes from the least recently touched entries of earlier epochs, or the value is not kept.
        mutating func insert(_ value: Int, for key: Int, bytes: Int, epoch: UInt64) -> Bool {
            entries.removeAll { $0.key == key }
            var dropped = 0
            while bytes + entries.dropFirst(dropped).reduce(0, { $0 + $1.bytes }) > budget {
                guard dropped < entries.count, entries[dropped].epoch < epoch else {
                    evictions += 1
                    return false
                }
                dropped += 1
            }
            entries.removeFirst(dropped)
            evictions += UInt64(dropped)
            entries.append((key, value, bytes, epoch))
            return true
        }
    }

    @Test("agrees with a model under random operations, epochs and budgets (seed printed on failure)")
    func matchesModel() {
        var rng = TestRandom(variable: "BYTE_BUDGET_LRU_SEED")
        for round in 0..<200 {
            let budget = rng.pick([0, 1, 100, 1000, Int.random(in: 0...5000, using: &rng)]) ?? 0
            var lru = ByteBudgetLRU<Int, Int>(budget: budget)
            var model = Model(budget: budget)
            let keys = Int.random(in: 1...40, using: &rng)
            var epoch: UInt64 = 1
            for step in 0..<300 {
                let context = "round \(round) step \(step), budget \(budget), \(rng)"
                let key = Int.random(in: 0..<keys, using: &rng)
                if rng.chance(0.05) { epoch += 1 }
                let at = rng.chance(0.1) ? epoch - UInt64.random(in: 0...min(epoch - 1, 2), using: &rng) : epoch
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<35:
                    let (have, want) = (lru.value(for: key, epoch: at), model.touch(key, epoch: at))
                    #expect(have == want, "touch: \(context)")
                case 35..<80:
                    // Mostly small against the budget, sometimes all of it or more.
                    let bytes = rng.chance(0.1) ? Int.random(in: budget...budget + 10, using: &rng)
                                                : Int.random(in: 0...max(1, budget / 4), using: &rng)
                    let (have, want) = (lru.insert(step, for: key, bytes: bytes, epoch: at), model.insert(step, for: key, bytes: bytes, epoch: at))
                    #expect(have == want, "insert: \(context)")
                    #expect(lru.bytes <= budget, "over budget after an insertion: \(context)")
                case 80..<95:
                    let removed = model.entries.first { $0.key == key }?.value
                    model.entries.removeAll { $0.key == key }
                    let have = lru.remove(key)
                    #expect(have == removed, "remove: \(context)")
                case 95..<98:
                    let modulus = Int.random(in: 2...4, using: &rng)
                    model.entries.removeAll { $0.key % modulus == 0 }
                    lru.removeAll { $0 % modulus == 0 }
                default:
                    model.entries.removeAll()
                    lru.removeAll()
                }
                #expect(lru.keysByRecency == model.entries.map(\.key), "order: \(context)")
                #expect(lru.bytes == model.bytes, "bytes: \(context)")
                #expect(lru.count == model.entries.count, "count: \(context)")
                #expect(lru.evictions == model.evictions, "evictions: \(context)")
                // One failing step is enough to replay.
                guard lru.keysByRecency == model.entries.map(\.key), lru.bytes == model.bytes, lru.count == model.entries.count,
                      lru.evictions == model.evictions else { return }
            }
            // Every kept value is still there (read in recency order, which keeps the order).
            for entry in model.entries {
                let have = lru.value(for: entry.key, epoch: epoch)
                #expect(have == entry.value, "round \(round), \(rng)")
            }
        }
    }

    @Test("least recently touched go first; a budget of 0 keeps nothing; nothing one epoch touched makes room in it")
    func edges() {
        var none = ByteBudgetLRU<String, Int>(budget: 0)
        let keptInNone = none.insert(1, for: "a", bytes: 1, epoch: 1)
        #expect(!keptInNone && none.count == 0 && none.bytes == 0 && none.evictions == 1)
        var lru = ByteBudgetLRU<String, Int>(budget: 10)
        var kept = [lru.insert(1, for: "a", bytes: 4, epoch: 1), lru.insert(2, for: "b", bytes: 4, epoch: 1)]
        kept.append(lru.insert(3, for: "c", bytes: 4, epoch: 1))  // a and b were touched in epoch 1: no room
        #expect(kept == [true, true, false] && lru.keysByRecency == ["a", "b"] && lru.evictions == 1)
        let a = lru.value(for: "a", epoch: 2)  // b is now the least recently touched
        kept = [lru.insert(3, for: "c", bytes: 4, epoch: 2)]
        #expect(a == 1 && kept == [true] && lru.keysByRecency == ["a", "c"] && lru.evictions == 2)
        kept = [lru.insert(4, for: "d", bytes: 10, epoch: 3)]
        #expect(kept == [true] && lru.keysByRecency == ["d"] && lru.bytes == 10 && lru.evictions == 4)
        // Too big on its own: not kept, and the value it would have replaced goes too.
        kept = [lru.insert(5, for: "d", bytes: 11, epoch: 4)]
        #expect(kept == [false] && lru.count == 0 && lru.bytes == 0 && lru.evictions == 5)
    }

    /// The reason for epochs: scrapes visit the same buckets in the same order. With room for 3 of 5
    /// buckets, plain LRU would drop each bucket just before it is needed (no reuse at all); here
    /// the first 3 stay and are reused at every scrape.
    @Test("a cyclic scan larger than the budget reuses what fits")
    func cyclicScan() {
        var lru = ByteBudgetLRU<Int, Int>(budget: 30)
        var hits = 0
        for scrape in UInt64(1)...10 {
            for bucket in 0..<5 {
                if lru.value(for: bucket, epoch: scrape) != nil { hits += 1 } else { lru.insert(bucket, for: bucket, bytes: 10, epoch: scrape) }
            }
        }
        #expect(hits == 3 * 9)
        #expect(lru.keysByRecency == [0, 1, 2])
    }
}
