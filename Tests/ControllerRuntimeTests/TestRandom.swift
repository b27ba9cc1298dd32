import Foundation
import KubeCore

/// A seeded generator for randomized tests: SplitMix64, the same sequence on every platform.
/// The seed comes from `TEST_SEED` when set (to replay a failure), otherwise from the system;
/// tests put `description` into every expectation message so a failure names its seed.
struct TestRandom: RandomNumberGenerator, CustomStringConvertible {
    let seed: UInt64
    private var generator: SplitMix64

    init(seed: UInt64? = nil) {
        let chosen = seed
            ?? ProcessInfo.processInfo.environment["TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: .min ... .max)
        self.seed = chosen
        generator = SplitMix64(seed: chosen)
    }

    mutating func next() -> UInt64 { generator.next() }

    var description: String { "seed \(seed) (replay with TEST_SEED=\(seed))" }
}
