import Foundation

/// A seeded generator for randomized tests: SplitMix64, the same sequence on every platform.
/// The seed comes from `TEST_SEED` when set (to replay a failure), otherwise from the system;
/// tests put `description` into every expectation message so a failure names its seed.
struct TestRandom: RandomNumberGenerator, CustomStringConvertible {
    let seed: UInt64
    private var state: UInt64

    init(seed: UInt64? = nil) {
        let chosen = seed
            ?? ProcessInfo.processInfo.environment["TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: .min ... .max)
        self.seed = chosen
        state = chosen
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    var description: String { "seed \(seed) (replay with TEST_SEED=\(seed))" }
}
