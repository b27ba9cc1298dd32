import Foundation
import KubeCore

/// The seeded generator of randomized tests: SplitMix64, the same sequence on every platform.
///
/// The seed comes from the environment variable (`TEST_SEED` unless a suite names its own) when
/// set, to replay a failure, otherwise from the system; tests put `description` into their
/// expectation messages so a failure names its seed.
public struct TestRandom: RandomNumberGenerator, CustomStringConvertible, Sendable {
    public let seed: UInt64
    public let variable: String
    private var generator: SplitMix64

    public init(seed: UInt64? = nil, variable: String = "TEST_SEED") {
        let chosen = seed ?? Self.seed(from: variable)
        self.seed = chosen
        self.variable = variable
        generator = SplitMix64(seed: chosen)
    }

    /// The seed `variable` names, or a random one when it is unset.
    public static func seed(from variable: String = "TEST_SEED") -> UInt64 {
        ProcessInfo.processInfo.environment[variable].flatMap { UInt64($0) } ?? UInt64.random(in: .min ... .max)
    }

    public mutating func next() -> UInt64 { generator.next() }

    public mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
    public mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    public mutating func pick<T>(_ items: [T]) -> T? { items.randomElement(using: &self) }

    public var description: String { "seed \(seed) (replay with \(variable)=\(seed))" }
}
