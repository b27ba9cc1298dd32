import FluxReport
import KubeCore
import Testing
import TestSupport
@testable import FluxReportOperator

/// When the status page and the MCP tools reuse the fleet's diagnosis, on an injected clock whose
/// computations take the time a test gives them. A diagnosis is told apart by its `now` (the clock
/// when its computation started).
@Suite struct DiagnosisCacheTests {
    final class World: Sendable {
        let clock = LockedState<Int64>(1_000)
        let computations = LockedState<[(start: Int64, end: Int64)]>([])
    }

    /// `cache.current` whose computation lasts `duration` seconds of the injected clock.
    static func ask(_ cache: DiagnosisCache, _ world: World, version: UInt64, duration: Int64) -> Int64 {
        cache.current(version: version) { now in
            let end = world.clock.withLock { $0 += duration; return $0 }
            world.computations.withLock { $0.append((now, end)) }
            return Diagnosis(objects: [], now: now)
        }.now
    }

    @Test("a diagnosis that took longer than maxAge is reused after it ends, for as long as it took")
    func slowDiagnosisIsReused() {
        let world = World()
        let cache = DiagnosisCache(now: { world.clock.withLock { $0 } }, monotonic: { .seconds(world.clock.withLock { $0 }) })
        let first = Self.ask(cache, world, version: 1, duration: 8)
        world.clock.withLock { $0 += 1 }
        #expect(Self.ask(cache, world, version: 1, duration: 8) == first, "recomputed 1 s after a computation of 8 s ended")
        world.clock.withLock { $0 += DiagnosisCache.maxAgeSeconds }
        #expect(Self.ask(cache, world, version: 2, duration: 8) == first, "a change 6 s after a computation of 8 s")
        world.clock.withLock { $0 += 2 }
        #expect(Self.ask(cache, world, version: 2, duration: 8) != first, "reused 8 s after a computation of 8 s")
        #expect(world.computations.withLock { $0.count } == 2)
    }

    @Test("a fast diagnosis follows every change, and the clock after maxAge")
    func fastDiagnosisFollowsChanges() {
        let world = World()
        let cache = DiagnosisCache(now: { world.clock.withLock { $0 } }, monotonic: { .seconds(world.clock.withLock { $0 }) })
        let first = Self.ask(cache, world, version: 1, duration: 0)
        #expect(Self.ask(cache, world, version: 1, duration: 0) == first)
        let second = Self.ask(cache, world, version: 2, duration: 0)
        #expect(world.computations.withLock { $0.count } == 2, "a new version is computed at once")
        world.clock.withLock { $0 += DiagnosisCache.maxAgeSeconds - 1 }
        #expect(Self.ask(cache, world, version: 2, duration: 0) == second)
        world.clock.withLock { $0 += 1 }
        _ = Self.ask(cache, world, version: 2, duration: 0)
        #expect(world.computations.withLock { $0.count } == 3)
    }

    @Test("under a change at every request, computing takes at most half of the time, and answers are at most twice a computation old (seed printed)")
    func churnBoundsTheWork() {
        var rng = TestRandom(variable: "DIAGNOSIS_CACHE_SEED")
        print("DiagnosisCacheTests.churnBoundsTheWork \(rng)")
        let world = World()
        let cache = DiagnosisCache(now: { world.clock.withLock { $0 } }, monotonic: { .seconds(world.clock.withLock { $0 }) })
        let start = world.clock.withLock { $0 }
        var longest: Int64 = 0
        for version in 1...2_000 as ClosedRange<UInt64> {
            world.clock.withLock { $0 += Int64.random(in: 0...3, using: &rng) }
            let duration = Int64.random(in: 0...12, using: &rng)
            let asked = world.clock.withLock { $0 }
            let answer = Self.ask(cache, world, version: version, duration: duration)
            let last = world.computations.withLock { $0.last }
            longest = max(longest, (last?.end ?? 0) - (last?.start ?? 0))
            // The answer comes from a computation that ended no longer ago than it took.
            #expect(asked - answer <= 2 * longest + 1, "answer from \(answer) at \(asked)")
        }
        let elapsed = world.clock.withLock { $0 } - start
        let computations = world.computations.withLock { $0 }
        let busy = computations.reduce(0) { $0 + $1.end - $1.start }
        #expect(busy * 2 <= elapsed + 2 * longest, "computing \(busy) s of \(elapsed) s")
        #expect(computations.count < 2_000, "every request recomputed")
    }
}
