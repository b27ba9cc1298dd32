/// RFC 3339 timestamps (`2024-05-01T12:00:00Z`), without Foundation formatters: the project's one
/// formatter and parser, for condition times (`metav1.Time`), Events' `MicroTime`, log lines and
/// the simulator's timestamps.
public enum Timestamp {
    /// Formats a time since the Unix epoch, UTC, with `fractionDigits` (0–9) digits of fraction:
    /// 0 for `metav1.Time`, 3 for log lines, 6 for `metav1.MicroTime`. Truncates, as Go does.
    public static func rfc3339(secondsSinceEpoch seconds: Int64, nanoseconds: Int64, fractionDigits: Int) -> String {
        let whole = rfc3339(secondsSinceEpoch: seconds)
        let digits = min(max(fractionDigits, 0), 9)
        guard digits > 0 else { return whole }
        var fraction = String(min(max(nanoseconds, 0), 999_999_999))
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        return whole.dropLast() + "." + fraction.prefix(digits) + "Z"
    }

    /// Formats whole seconds since the Unix epoch, UTC; clamped to years 0000–9999 (RFC 3339's range).
    public static func rfc3339(secondsSinceEpoch: Int64) -> String {
        let secondsSinceEpoch = min(max(secondsSinceEpoch, -62_167_219_200), 253_402_300_799)
        let days = secondsSinceEpoch >= 0 ? secondsSinceEpoch / 86400 : (secondsSinceEpoch - 86399) / 86400
        let secondOfDay = secondsSinceEpoch - days * 86400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay % 3600 / 60, 2)):\(pad(secondOfDay % 60, 2))Z"
    }
}

extension Timestamp {
    /// Seconds since the Unix epoch of an RFC 3339 timestamp (`2024-05-01T12:00:00Z`, optional
    /// fraction, `Z` or `±hh:mm`), the inverse of `rfc3339(secondsSinceEpoch:)`; nil for anything
    /// else. Outside text, so every field is range-checked and nothing can overflow.
    public static func parseRFC3339(_ text: String) -> Int64? {
        let b = Array(text.utf8.prefix(64))
        guard b.count >= 20, text.utf8.count <= 64 else { return nil }
        func digits(_ at: Int, _ count: Int) -> Int64? {
            var v: Int64 = 0
            for i in at..<(at + count) {
                guard i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
                v = v * 10 + Int64(b[i] - UInt8(ascii: "0"))
            }
            return v
        }
        guard let year = digits(0, 4), b[4] == UInt8(ascii: "-"), let month = digits(5, 2), b[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = digits(11, 2), b[13] == UInt8(ascii: ":"), let minute = digits(14, 2), b[16] == UInt8(ascii: ":"),
              let second = digits(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < b.count, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset: Int64 = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == b.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == b.count, let oh = digits(i + 1, 2), b[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return nil
        }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        return days * 86400 + hour * 3600 + minute * 60 + min(second, 59) - offset
    }
}
