import KubeCore
import TestSupport
import Testing

@Suite struct WaitersTests {
    struct Owner {
        var waiters = Waiters<Int>()
        var ready: [Int] = []
    }

    /// Tasks wait, some are cancelled at random moments (before or after they queue), the others are
    /// handed values by a concurrent owner: every task ends, with its own value or the cancellation
    /// value, and every value handed out is received exactly once.
    @Test("random waits, cancellations and hand-outs: each task gets one value, no value is lost or given twice (seeded)")
    func noValueLostOrDuplicated() async {
        var rng = TestRandom()
        let seed = rng.seed
        for round in 0..<20 {
            let state = LockedState(Owner())
            let count = 64
            var tasks: [Task<Int, Never>] = []
            for _ in 0..<count {
                tasks.append(Task {
                    await state.suspend(in: \.waiters, ready: { $0.ready.isEmpty ? nil : $0.ready.removeFirst() }, ifCancelled: -1)
                })
            }
            var handedOut: [Int] = []
            for (index, task) in tasks.enumerated() {
                if rng.next() % 3 == 0 {
                    task.cancel()
                } else {
                    // Either to a queued waiter, or left for the next `get` to find.
                    let waiter = state.withLock { owner -> Waiters<Int>.Waiter? in
                        if let waiter = owner.waiters.popFirst() { return waiter }
                        owner.ready.append(index)
                        return nil
                    }
                    waiter?.resume(returning: index)
                    handedOut.append(index)
                }
                if rng.next() % 4 == 0 { await Task.yield() }
            }
            // Values nobody took yet go to whoever waits; then every task still waiting is cancelled
            // (a task cancelled early may have taken a value meant for another, which then waits on).
            let leftovers = state.withLock { owner -> [(Waiters<Int>.Waiter, Int)] in
                var pairs: [(Waiters<Int>.Waiter, Int)] = []
                while !owner.ready.isEmpty, let waiter = owner.waiters.popFirst() { pairs.append((waiter, owner.ready.removeFirst())) }
                return pairs
            }
            for (waiter, value) in leftovers { waiter.resume(returning: value) }
            for task in tasks { task.cancel() }
            var results: [Int] = []
            for task in tasks { results.append(await task.value) }
            let received = results.filter { $0 >= 0 }
            let notTaken = state.withLock { $0.ready }
            #expect(Set(received).count == received.count, "seed \(seed) round \(round): a value was received twice")
            #expect(Set(received).union(notTaken) == Set(handedOut), "seed \(seed) round \(round): values lost")
            #expect(results.count == count, "seed \(seed) round \(round)")
            #expect(state.withLock { $0.waiters.isEmpty }, "seed \(seed) round \(round): a finished task is still queued")
        }
    }
}
