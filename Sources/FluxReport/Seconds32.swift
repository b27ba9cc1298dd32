/// Seconds kept in 32 bits: a time since the Unix epoch (1970 to 2106) or a duration (up to 136
/// years). The projection keeps several per cached object; 64 bits would add 4 bytes each.
/// Values outside the range are clamped: a time before 1970 reads as 0, which the projection's
/// readers take as absent, as they do for a malformed one.
public struct Seconds32: Sendable, Hashable {
    private let stored: UInt32

    public init(_ seconds: Int64) { stored = UInt32(clamping: seconds) }

    public var value: Int64 { Int64(stored) }
}
