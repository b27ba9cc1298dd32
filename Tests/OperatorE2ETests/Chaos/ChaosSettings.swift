import Foundation
import TestSupport

/// What one chaos run does, from the environment (hack/chaos sets it): a CI run is short and
/// random, a soak replays or runs long.
///
/// - `CHAOS_SEED`: the run's seed (default: random, printed).
/// - `CHAOS_ITERATIONS`: quiet points to check (default 8).
/// - `CHAOS_SECONDS`: stop starting iterations after this long (default 150).
struct ChaosSettings: CustomStringConvertible {
    var seed: UInt64
    var iterations: Int
    var seconds: Int

    static func fromEnvironment() -> ChaosSettings {
        let env = ProcessInfo.processInfo.environment
        let seed = TestRandom.seed(from: "CHAOS_SEED")
        let iterations = env["CHAOS_ITERATIONS"].flatMap { Int($0) }.map { max(1, $0) } ?? 8
        let seconds = env["CHAOS_SECONDS"].flatMap { Int($0) }.map { max(1, $0) } ?? 150
        return ChaosSettings(seed: seed, iterations: iterations, seconds: seconds)
    }

    var description: String {
        "seed \(seed), \(iterations) iterations, at most \(seconds) s (replay: CHAOS_SEED=\(seed) hack/chaos --iterations \(iterations))"
    }
}
