import TestSupport
import Testing
@testable import ControllerRuntime

/// A `StoreKeyed` object is its own key in the store: every lookup by the key's text, update,
/// deletion and relist must behave exactly as with text keys, also for objects whose own key is not
/// the one they are stored under (kept under the text) and names holding a "/".
@Suite("Store keyed by its objects")
struct StoreKeyedTests {
    final class Keyed: StoreKeyed, @unchecked Sendable, CustomStringConvertible {  // three `let`s
        let namespace: String
        let name: String
        let value: Int

        init(namespace: String, name: String, value: Int) {
            self.namespace = namespace
            self.name = name
            self.value = value
        }

        override var storeKey: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
        override func hasStoreKey(_ key: String) -> Bool { key == storeKey }
        override func withStoreKeyName<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
            var name = name
            return name.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
        var description: String { "\(storeKey)=\(value)" }
    }

    /// Keys of namespaced and cluster-scoped objects, a name with a "/" and names that share their last segment.
    static let keys: [(namespace: String, name: String)] = [
        ("ns", "a"), ("other", "a"), ("", "a"), ("ns", "b"), ("ns", "a-much-longer-name-than-fifteen-bytes"),
        ("", "cluster-scoped-and-long-enough"), ("ns", "x/a"), ("ns/x", "a"), ("n", "s/a"),
    ]

    @Test("random watcher events keep the store equal to a model of text keys (seeded)")
    func matchesAModelOfTextKeys() {
        var rng = TestRandom()
        for round in 0..<30 {
            let reflector = Reflector<Keyed>()
            var model = ReflectorModel<Keyed>()
            for step in 0..<400 {
                guard let entry = rng.pick(Self.keys) else { return }
                let (namespace, name) = entry
                let key = namespace.isEmpty ? name : "\(namespace)/\(name)"
                // One object in six says another key than the one it is stored under: kept under the text.
                let object = rng.chance(1.0 / 6) ? Keyed(namespace: "elsewhere", name: name, value: step)
                                                 : Keyed(namespace: namespace, name: name, value: step)
                let event = model.randomEvent(key: key, object: object, step: step, using: &rng)
                let before = model.items
                model.apply(event)
                // The changes name the objects the store held: an update's old object is the previous one.
                for change in reflector.apply(event) {
                    switch change {
                    case .added(let new): #expect(before[new.storeKey] == nil || new.namespace == "elsewhere", "\(rng) step \(step)")
                    case .updated(let old, _), .deleted(let old):
                        #expect(before.values.contains { $0 === old }, "\(rng) round \(round) step \(step): \(old) was not stored")
                    }
                }
                let store = reflector.store
                let context = "\(rng) round \(round) step \(step) after \(event)"
                #expect(store.count == model.items.count, "\(context)")
                #expect(Set(store.keys) == Set(model.items.keys), "\(context)")
                for (namespace, name) in Self.keys {
                    let key = namespace.isEmpty ? name : "\(namespace)/\(name)"
                    #expect(store.get(key) === model.items[key], "\(context): \(key)")
                }
                let snapshot = store.snapshot()
                #expect(snapshot.count == model.items.count && snapshot.allSatisfy { model.items[$0.key] === $0.value }, "\(context)")
                if store.count != model.items.count { return }
            }
        }
    }

    /// The store's dictionary keeps a key and an object reference per slot: a one-word key makes the
    /// slot 16 bytes (a protocol existential made it 32).
    @Test func aKeyIsOneWord() {
        #expect(MemoryLayout<StoreKey>.size == MemoryLayout<AnyObject>.size)
        #expect(MemoryLayout<StoreKey>.stride == 8)
    }

    @Test func anObjectStandsForItsOwnKeyOnlyWhenItSaysThatKey() {
        let own = Keyed(namespace: "ns", name: "a", value: 1)
        let other = Keyed(namespace: "elsewhere", name: "a", value: 2)
        guard StoreKey.stored("ns/a", own).isObject else {
            Issue.record("an object with its own key is stored under the text")
            return
        }
        guard !StoreKey.stored("ns/a", other).isObject, StoreKey.stored("ns/a", other).text == "ns/a" else {
            Issue.record("an object with another key stands for it")
            return
        }
        #expect(StoreKey.stored("ns/a", own) == .text("ns/a"))
        #expect(StoreKey.stored("ns/a", own).hashValue == StoreKey.text("ns/a").hashValue)
        #expect(StoreKey.stored("x", 5) == .text("x"))  // not StoreKeyed: its key's text
    }
}
