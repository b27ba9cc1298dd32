import KubeCore
import TestSupport
import Testing
@testable import ControllerRuntime

/// A store's index stays equal to the index of its items through random sets, removals and
/// replacements, however late it is installed.
@Suite("Store index")
struct StoreIndexTests {
    /// Sum and count of the stored values.
    struct Totals: StoreIndex, Equatable {
        var count = 0
        var sum = 0
        mutating func add(_ object: Int) { count += 1; sum += object }
        mutating func remove(_ object: Int) { count -= 1; sum -= object }
        mutating func reset() { self = Totals() }

        init() {}
        init(_ values: some Sequence<Int>) { for value in values { add(value) } }
    }

    @Test func indexFollowsEveryChange() {
        var random = TestRandom()
        print("StoreIndexTests: \(random)")
        let store = Store<Int>()
        let installAt = Int.random(in: 0..<200, using: &random)
        for step in 0..<400 {
            if step == installAt { store.setIndex(Totals()) }
            let key = "ns/obj-\(Int.random(in: 0..<30, using: &random))"
            switch Int.random(in: 0..<10, using: &random) {
            case 0:
                var fresh: [String: Int] = [:]
                for _ in 0..<Int.random(in: 0..<20, using: &random) { fresh["ns/obj-\(Int.random(in: 0..<30, using: &random))"] = Int.random(in: -50...50, using: &random) }
                _ = store.replace(with: Dictionary(uniqueKeysWithValues: fresh.map { (StoreKey.text($0.key), $0.value) }), rebuildingIndexFrom: fresh.values.shuffled(using: &random))
            case 1...3: store.removeValue(key)
            default: store.set(key, Int.random(in: -50...50, using: &random))
            }
            let index = store.withIndex(Totals.self) { $0 }
            if step >= installAt {
                #expect(index == Totals(store.list()), "step \(step), \(random)")
            } else {
                #expect(index == nil, "step \(step): no index installed yet")
            }
        }
    }
}
