/// Parses Go `time.ParseDuration` syntax: `300ms`, `30s`, `5m`, `1h30m`, `1.5h`, `-2s`; units ns us µs ms s m h.
///
/// Exact integer arithmetic with Go's rules, so outside text (annotations, flags, env) can never trap:
/// a value beyond ±2^63 ns (about 292 years) is an error, as in Go; fraction digits past what an
/// `UInt64` holds are ignored; the fraction is scaled in floating point and truncated, like Go.
public enum GoDuration {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let input: String
        public var description: String { "invalid duration \"\(input)\"" }
    }

    public static func parse(_ text: String) throws(ParseError) -> Duration {
        .nanoseconds(try parseNanoseconds(text))
    }

    /// The duration in nanoseconds (Go's `time.Duration`).
    public static func parseNanoseconds(_ text: String) throws(ParseError) -> Int64 {
        let bytes = Array(text.utf8)
        let failure = ParseError(input: text)
        let limit: UInt64 = 1 << 63  // |Int64.min|
        var i = 0
        var negative = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        if bytes.count - i == 1, bytes[i] == UInt8(ascii: "0") { return 0 }
        guard i < bytes.count else { throw failure }
        var total: UInt64 = 0
        while i < bytes.count {
            guard isDigit(bytes[i]) || bytes[i] == UInt8(ascii: ".") else { throw failure }
            // Integer part: overflow is an error.
            let intStart = i
            var whole: UInt64 = 0
            while i < bytes.count, isDigit(bytes[i]) {
                let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.addingReportingOverflow(UInt64(bytes[i] - UInt8(ascii: "0")))
                guard !o1, !o2, next <= limit else { throw failure }
                whole = next
                i += 1
            }
            let hasWhole = i > intStart
            // Fraction: digits that no longer fit are dropped (they cannot matter at ns precision).
            var fraction: UInt64 = 0
            var scale: Double = 1
            var hasFraction = false
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                let fracStart = i
                var saturated = false
                while i < bytes.count, isDigit(bytes[i]) {
                    if !saturated {
                        let (times10, o1) = fraction.multipliedReportingOverflow(by: 10)
                        let (next, o2) = times10.addingReportingOverflow(UInt64(bytes[i] - UInt8(ascii: "0")))
                        if o1 || o2 || next > limit {
                            saturated = true
                        } else {
                            fraction = next
                            scale *= 10
                        }
                    }
                    i += 1
                }
                hasFraction = i > fracStart
            }
            guard hasWhole || hasFraction else { throw failure }
            let unitStart = i
            while i < bytes.count, !isDigit(bytes[i]), bytes[i] != UInt8(ascii: ".") { i += 1 }
            guard i > unitStart, let unit = unitNanos[bytes[unitStart..<i]] else { throw failure }
            let (scaled, overflow) = whole.multipliedReportingOverflow(by: unit)
            guard !overflow, scaled <= limit else { throw failure }
            var value = scaled
            if fraction > 0 {
                let extra = Double(fraction) * (Double(unit) / scale)
                guard extra < 18_446_744_073_709_551_616.0 else { throw failure }  // 2^64: converts exactly below
                let (sum, o) = value.addingReportingOverflow(UInt64(extra))
                guard !o, sum <= limit else { throw failure }
                value = sum
            }
            let (sum, o) = total.addingReportingOverflow(value)
            guard !o, sum <= limit else { throw failure }
            total = sum
        }
        if negative { return total == limit ? .min : -Int64(total) }
        guard total < limit else { throw failure }
        return Int64(total)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static let unitNanos: [ArraySlice<UInt8>: UInt64] = [
        ArraySlice("ns".utf8): 1, ArraySlice("us".utf8): 1_000, ArraySlice("µs".utf8): 1_000, ArraySlice("μs".utf8): 1_000,
        ArraySlice("ms".utf8): 1_000_000, ArraySlice("s".utf8): 1_000_000_000,
        ArraySlice("m".utf8): 60_000_000_000, ArraySlice("h".utf8): 3_600_000_000_000,
    ]

    /// Go's `Duration.String()`: `0s`, `1.5µs`, `300ms`, `1m30s`, `2h0m0.5s`, `-2562047h47m16.854775808s`.
    public static func format(nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        var u = nanoseconds.magnitude
        var out: String
        if u < 1_000_000_000 {
            if u < 1_000 { out = "\(u)ns" }
            else if u < 1_000_000 { out = decimal(u, digits: 3) + "µs" }
            else { out = decimal(u, digits: 6) + "ms" }
        } else {
            out = decimal(u % 60_000_000_000, digits: 9) + "s"
            u /= 60_000_000_000
            if u > 0 {
                out = "\(u % 60)m" + out
                u /= 60
                if u > 0 { out = "\(u)h" + out }
            }
        }
        return nanoseconds < 0 ? "-" + out : out
    }

    /// `value / 10^digits` with the fraction's trailing zeros (and a bare point) dropped.
    private static func decimal(_ value: UInt64, digits: Int) -> String {
        var divisor: UInt64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let fraction = value % divisor
        guard fraction != 0 else { return "\(value / divisor)" }
        var text = String(fraction)
        text = String(repeating: "0", count: digits - text.count) + text
        while text.last == "0" { text.removeLast() }
        return "\(value / divisor).\(text)"
    }

    /// Go's `Duration.String()` for whole seconds: `3s`, `1m5s`, `2h0m0s`.
    public static func formatSeconds(_ seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        return "\(seconds / 3600)h\((seconds % 3600) / 60)m\(seconds % 60)s"
    }
}
