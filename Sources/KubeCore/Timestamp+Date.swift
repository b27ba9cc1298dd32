import Foundation

extension Timestamp {
    /// `date` in RFC 3339, UTC, with `fractionDigits` digits of fraction (truncated).
    public static func rfc3339(_ date: Date, fractionDigits: Int = 0) -> String {
        let interval = date.timeIntervalSince1970
        // Beyond RFC 3339's years the whole-seconds formatter clamps; keep the conversion exact here.
        guard interval.isFinite, abs(interval) < 1e12 else {
            return rfc3339(secondsSinceEpoch: interval > 0 ? Int64.max : Int64.min)
        }
        let seconds = interval.rounded(.down)
        let nanoseconds = min(Int64(((interval - seconds) * 1e9).rounded(.down)), 999_999_999)
        return rfc3339(secondsSinceEpoch: Int64(seconds), nanoseconds: nanoseconds, fractionDigits: fractionDigits)
    }

    /// The `Date` of an RFC 3339 timestamp (whole seconds); nil when it is not one.
    public static func date(rfc3339 text: String) -> Date? {
        parseRFC3339(text).map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }
}
