import KubeCore
import TestSupport
import Testing

@Suite struct ChangeSignalTests {
    /// Readers that note the version, check, then wait past what they noted, against a bumper that
    /// bumps at random moments: each reader must see every target reached. A wake-up lost between a
    /// reader's note and its wait leaves that reader waiting for ever (the time limit fails the test).
    @Test("readers waiting on random bumps never miss one (seeded)", .timeLimit(.minutes(1)))
    func noLostWakeUp() async {
        var rng = TestRandom()
        let seed = rng.seed
        for round in 0..<20 {
            let signal = ChangeSignal()
            let target = UInt64(rng.next() % 200 + 1)
            let readers = (0..<Int(rng.next() % 32 + 1)).map { _ in
                Task { () -> UInt64 in
                    var seen = signal.version
                    while seen < target {
                        guard let next = await signal.wait(past: seen) else { return seen }
                        #expect(next != seen, "seed \(seed) round \(round): woken without a change")
                        seen = next
                    }
                    return seen
                }
            }
            for _ in 0..<target {
                signal.bump()
                if rng.next() % 3 == 0 { await Task.yield() }
            }
            for reader in readers {
                #expect(await reader.value == target, "seed \(seed) round \(round)")
            }
        }
    }

    @Test func aMovedVersionIsReturnedAtOnceAndCancellationEndsOnlyThatWait() async {
        let signal = ChangeSignal()
        signal.bump()
        #expect(await signal.wait(past: 0) == 1)

        let cancelled = Task { await signal.wait(past: 1) }
        let patient = Task { await signal.wait(past: 1) }
        cancelled.cancel()
        #expect(await cancelled.value == nil)
        signal.bump()
        #expect(await patient.value == 2)
    }

    @Test func waitForAnyEndsAtTheFirstMovedSignalOrAtTheDeadline() async {
        let signals = (0..<5).map { _ in ChangeSignal() }
        let far = ContinuousClock.now + .seconds(600)
        // One of them moved after it was noted: no wait at all.
        signals[3].bump()
        let started = ContinuousClock.now
        await ChangeSignal.waitForAny(signals.map { ($0, 0) }, until: far)
        #expect(ContinuousClock.now - started < .seconds(60))

        // A bump of any one ends the wait of a task waiting on all of them.
        let noted = signals.map { ($0, $0.version) }
        let waiting = Task { await ChangeSignal.waitForAny(noted, until: far) }
        signals[1].bump()
        await waiting.value

        // Nothing moves: the deadline ends it.
        let deadline = ContinuousClock.now + .milliseconds(50)
        await ChangeSignal.waitForAny(signals.map { ($0, $0.version) }, until: deadline)
        #expect(ContinuousClock.now >= deadline)
    }
}
