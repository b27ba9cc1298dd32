/// Human-readable artifact sizes, formatted like the reference (docs/report.md, Fields).
public enum ByteSize {
    static let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]

    /// `"<n> B"` below 1024; else the unit is chosen by repeated integer division by 1024 and the
    /// value printed with one decimal, C `%.1f` rounding: 1280 → `1.2 KiB`, 1048575 → `1024.0 KiB`.
    public static func format(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        var divisor: Int64 = 1024
        var exponent = 0
        var n = bytes / 1024
        while n >= 1024, exponent < units.count - 1 {
            divisor *= 1024
            exponent += 1
            n /= 1024
        }
        return "\(oneDecimal(Double(bytes) / Double(divisor))) \(units[exponent])"
    }

    /// `%.1f` without Foundation. `bytes / 1024^k` is an exact binary fraction and so is its product
    /// by 10 (sizes stay far below 2^49), so rounding half to even here matches printf's exact rounding.
    static func oneDecimal(_ value: Double) -> String {
        let t = Int64((value * 10).rounded(.toNearestOrEven))
        return "\(t / 10).\(t % 10)"
    }
}
