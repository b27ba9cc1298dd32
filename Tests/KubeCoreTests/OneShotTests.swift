import KubeCore
import Testing

@Suite struct OneShotTests {
    /// Cancelling one waiter ends that wait only: the others (a second `Informer.waitForSync`) keep
    /// waiting until the value is delivered.
    @Test func cancellingOneWaiterLeavesTheOthersWaiting() async {
        let shot = OneShot<Int>()
        let cancelled = Task { await shot.waitUnlessCancelled() }
        let patient = Task { await shot.waitUnlessCancelled() }
        let plain = Task { await shot.wait() }
        cancelled.cancel()
        #expect(await cancelled.value == nil)
        #expect(!shot.isDelivered)
        shot.deliver(7)
        shot.deliver(8)  // the first delivery wins
        #expect(await patient.value == 7)
        #expect(await plain.value == 7)
        #expect(await shot.waitUnlessCancelled() == 7)
    }

    @Test func aWaiterCancelledBeforeItWaitsReturnsAtOnce() async {
        let shot = OneShot<Int>()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await shot.waitUnlessCancelled()
        }
        #expect(await task.value == nil)
    }

    /// Many waiters, random cancellations, one delivery racing them: every waiter ends, with the
    /// value or (only if cancelled) nil.
    @Test func racingCancellationsAndDeliveryAlwaysEndEveryWaiter() async {
        for round in 0..<50 {
            let shot = OneShot<Int>()
            let waiters = (0..<20).map { _ in Task { await shot.waitUnlessCancelled() } }
            for (index, waiter) in waiters.enumerated() where (index + round) % 3 == 0 { waiter.cancel() }
            shot.deliver(round)
            for (index, waiter) in waiters.enumerated() {
                let result = await waiter.value
                if (index + round) % 3 != 0 { #expect(result == round) } else { #expect(result == nil || result == round) }
            }
        }
    }
}
