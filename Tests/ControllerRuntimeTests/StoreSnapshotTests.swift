import Dispatch
import Foundation
import TestSupport
import Testing
@testable import ControllerRuntime

/// A scan over a store's snapshot holds no lock: writers land while it runs, and it sees the
/// items as they were when it began.
@Suite("Store snapshot")
struct StoreSnapshotTests {
    @Test func writersAreNotBlockedByAScan() {
        var random = TestRandom()
        print("StoreSnapshotTests: \(random)")
        let store = Store<Int>()
        var model: [String: Int] = [:]
        for _ in 0..<Int.random(in: 1_000...5_000, using: &random) {
            let key = "ns/obj-\(Int.random(in: 0..<10_000, using: &random))"
            let value = Int.random(in: -1_000...1_000, using: &random)
            store.set(key, value)
            model[key] = value
        }
        let before = model
        let writes: [(key: String, value: Int?)] = (0..<Int.random(in: 1...50, using: &random)).map { _ in
            let key = "ns/obj-\(Int.random(in: 0..<10_000, using: &random))"
            return (key, Bool.random(using: &random) ? Int.random(in: -1_000...1_000, using: &random) : nil)
        }
        for write in writes { model[write.key] = write.value }
        let pauseAt = Int.random(in: 0..<before.count, using: &random)

        // The scan stops midway and lets a writer thread run all its writes, then goes on: were
        // the scan holding the store's lock, the writer could not finish until the scan did.
        var seen: [String: Int] = [:]
        var writerFinished = false
        for (offset, (key, value)) in store.snapshot().enumerated() {
            if offset == pauseAt {
                let done = DispatchSemaphore(value: 0)
                Thread {
                    for write in writes {
                        if let value = write.value { store.set(write.key, value) } else { store.removeValue(write.key) }
                    }
                    done.signal()
                }.start()
                // Only bounds a failing run: a passing one is signalled as soon as the writes land.
                writerFinished = done.wait(timeout: .now() + 30) == .success
                #expect(writerFinished, "the writer was blocked during the scan, \(random)")
            }
            seen[key] = value
        }
        #expect(writerFinished, "\(random)")
        #expect(seen == before, "the scan saw writes made after its snapshot, \(random)")
        #expect(store.snapshot() == model, "\(random)")
    }
}
