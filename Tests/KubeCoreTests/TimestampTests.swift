import Foundation
import KubeCore
import TestSupport
import Testing

/// The one RFC 3339 formatter and parser, against Foundation's ISO 8601 formatter as an oracle.
@Suite struct TimestampTests {
    @Test func wholeSecondsMatchFoundationAndRoundTrip() {
        let oracle = ISO8601DateFormatter()
        oracle.formatOptions = [.withInternetDateTime]
        var generator = TestRandom(seed: 20261130)
        for _ in 0..<2_000 {
            // Years 1970–9999, whole seconds: exact in a Double.
            let seconds = Int64(generator.next() % 253_402_300_800)
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let text = Timestamp.rfc3339(date)
            #expect(text == oracle.string(from: date), "\(seconds)")
            #expect(Timestamp.parseRFC3339(text) == seconds)
            #expect(Timestamp.date(rfc3339: text) == date)
        }
    }

    @Test func fractionsAreTruncatedToTheDigitsAsked() {
        let date = Date(timeIntervalSince1970: 1_700_000_000.125)  // an exact binary fraction
        #expect(Timestamp.rfc3339(date) == "2023-11-14T22:13:20Z")
        #expect(Timestamp.rfc3339(date, fractionDigits: 3) == "2023-11-14T22:13:20.125Z")
        #expect(Timestamp.rfc3339(date, fractionDigits: 6) == "2023-11-14T22:13:20.125000Z")
        #expect(Timestamp.rfc3339(secondsSinceEpoch: 0, nanoseconds: 999_999_999, fractionDigits: 3) == "1970-01-01T00:00:00.999Z")
        #expect(Timestamp.rfc3339(secondsSinceEpoch: 0, nanoseconds: 7, fractionDigits: 9) == "1970-01-01T00:00:00.000000007Z")
        // Out-of-range inputs clamp instead of trapping.
        #expect(Timestamp.rfc3339(secondsSinceEpoch: 0, nanoseconds: -5, fractionDigits: 20) == "1970-01-01T00:00:00.000000000Z")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: .infinity)) == "9999-12-31T23:59:59Z")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: -1e300), fractionDigits: 6) == "0000-01-01T00:00:00Z")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: .nan)) == "0000-01-01T00:00:00Z")
        // What the parser takes: fractions and offsets; and what it refuses.
        #expect(Timestamp.parseRFC3339("2023-11-14T22:13:20.125Z") == 1_700_000_000)
        #expect(Timestamp.parseRFC3339("2023-11-15T00:13:20+02:00") == 1_700_000_000)
        #expect(Timestamp.date(rfc3339: "yesterday") == nil)
    }
}
