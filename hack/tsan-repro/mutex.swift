// Evidence for hack/tsan: Synchronization.Mutex used correctly from four threads (the count is
// always 40000), yet `swiftc -sanitize=thread mutex.swift && ./mutex` prints "ThreadSanitizer:
// Swift access race" on Linux (Swift 6.3.1): TSan does not see the futex-based Mutex's ordering.
// That is why the project's one lock, KubeCore.LockedState, is a pthread mutex, which TSan models.
import Synchronization
import Dispatch

final class Box: Sendable {
    let state = Mutex<[Int]>([])
}
let box = Box()
let group = DispatchGroup()
for t in 0..<4 {
    DispatchQueue.global().async(group: group) {
        for i in 0..<10_000 { box.state.withLock { $0.append(t * 100_000 + i) } }
    }
}
group.wait()
print("count", box.state.withLock { $0.count })
