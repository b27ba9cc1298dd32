import KubeCore
import TestSupport

/// Runs a randomized test body with a generator seeded from `TEST_SEED` (else at random) and the
/// text that names the seed in expectation messages, so any failure can be replayed.
func seeded(_ body: (inout SplitMix64, String) throws -> Void) rethrows {
    let seed = TestRandom.seed()
    var rng = SplitMix64(seed: seed)
    try body(&rng, "seed \(seed) (TEST_SEED)")
}
