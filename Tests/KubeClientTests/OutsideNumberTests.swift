import KubeCore
import Testing
@testable import KubeClient

/// Numbers a server, proxy or flag hands the client, at and past their limits.
@Suite struct ClientOutsideNumberTests {
    static func tooMany(retry: Int? = nil) -> [UInt8] {
        Status(message: "slow down", reason: "TooManyRequests", code: 429,
               details: retry.map { Status.Details(retryAfterSeconds: $0) }).json.serialized()
    }

    // A Retry-After near Int64.max seconds made `Task.sleep` trap in the informer's retry.
    @Test(arguments: ["9223372036854775807", "3600", "3601", "99999999"])
    func hugeRetryAfterHeaderIsCappedAtOneHour(header: String) {
        let error = KubeAPIError.fromResponse(code: 429, body: Self.tooMany(), retryAfterHeader: header)
        #expect(error.retryAfter == KubeAPIError.maxRetryAfter)
    }

    @Test(arguments: [
        "-9223372036854775808", "-1", "9223372036854775808", "1e3", "1.5", "NaN", "inf", "-inf", "", " ", "0x10",
        "١", "五", "Wed, 21 Oct 2015 07:28:00 GMT", "\u{0}",
    ])
    func invalidRetryAfterHeaderIsIgnored(header: String) {
        let error = KubeAPIError.fromResponse(code: 429, body: [], retryAfterHeader: header)
        #expect(error.retryAfter == nil)
    }

    @Test(arguments: [(Int64.max, KubeAPIError.maxRetryAfter), (Int64.min, nil), (Int64(-1), nil), (Int64(7), Duration.seconds(7))] as [(Int64, Duration?)])
    func retryAfterSecondsInStatusBody(seconds: Int64, expected: Duration?) throws {
        let body = #"{"kind":"Status","code":429,"reason":"TooManyRequests","details":{"retryAfterSeconds":\#(seconds)}}"#
        let error = KubeAPIError.fromResponse(code: 429, body: Array(body.utf8))
        #expect(error.retryAfter == expected)
        // The same Status as a watch ERROR event.
        let status = try #require(Status(json: try JSONValue.parse(body)))
        #expect(KubeAPIError(status: status).retryAfter == expected)
    }

    @Test(arguments: ["1e400", "-1e400", "1e-400", "9223372036854775808", "-9223372036854775809", "1.5", "NaN"])
    func nonIntegralStatusNumbersAreDropped(number: String) throws {
        let body = #"{"kind":"Status","code":\#(number),"details":{"retryAfterSeconds":\#(number)}}"#
        guard let json = try? JSONValue.parse(body) else { return }  // NaN is not JSON
        let status = try #require(Status(json: json))
        let error = KubeAPIError(status: status)
        #expect(error.retryAfter == nil || error.retryAfter! <= KubeAPIError.maxRetryAfter)
    }

    @Test(arguments: [Double.leastNonzeroMagnitude, 1e-300, 1e-12])
    func tinyQPSSaturatesTheWait(qps: Double) {
        let start = ContinuousClock.now
        let bucket = TokenBucket(qps: qps, burst: 1, now: start)
        #expect(bucket.reserve(now: start) == .zero)
        #expect(bucket.reserve(now: start) > .seconds(1))
    }

    @Test(arguments: [
        (Duration.seconds(Int64.max), Int.max), (.seconds(Int64.min), Int.min), (.seconds(Int64(Int.max / 1000)), Int.max / 1000 * 1000),
        (.milliseconds(1500), 1500), (.nanoseconds(Int64.max), Int(Int64.max / 1_000_000)),
    ])
    func durationMillisecondsSaturate(duration: Duration, expected: Int) {
        #expect(duration.milliseconds == expected)
    }
}
