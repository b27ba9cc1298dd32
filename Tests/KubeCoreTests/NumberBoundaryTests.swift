import KubeCore
import Testing

/// JSON numbers at and past the limits of `Int64` and `Double`.
@Suite struct NumberBoundaryTests {
    @Test(arguments: [
        ("9223372036854775807", JSONValue.int(.max)), ("-9223372036854775808", .int(.min)),
        ("9223372036854775808", .double(9_223_372_036_854_775_808)), ("-9223372036854775809", .double(-9_223_372_036_854_775_809)),
        ("1e400", .double(.infinity)), ("-1e400", .double(-.infinity)), ("1e-400", .double(0)),
        ("1e99999999999999999999", .double(.infinity)), ("0.0", .double(0)), ("-0", .int(0)),
    ])
    func numbersAtTheLimits(text: String, expected: JSONValue) throws {
        #expect(try JSONValue.parse(text) == expected)
    }

    @Test(arguments: ["NaN", "Infinity", "-Infinity", "inf", "+1", "1.", ".5", "1e", "1e+", "--1", "0x10", "١", "", " "])
    func invalidNumbers(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test(arguments: [
        (JSONValue.double(9.3e18), nil), (.double(-9.3e18), nil), (.double(.infinity), nil), (.double(.nan), nil),
        (.double(4_611_686_018_427_387_904), Int64(4_611_686_018_427_387_904)), (.double(1.5), nil), (.int(.min), .min),
    ])
    func intAccessorNeverTraps(value: JSONValue, expected: Int64?) {
        #expect(value.int == expected)
    }

    /// Non-finite doubles serialize as `null` (JSON has no NaN/Infinity), and the result parses.
    @Test(arguments: [Double.infinity, -.infinity, .nan, .greatestFiniteMagnitude, -.leastNonzeroMagnitude, 1e15, -1e15, 9.3e18])
    func serializedDoublesParse(value: Double) throws {
        let text = JSONValue.array([.double(value)]).serializedString()
        let parsed = try JSONValue.parse(text)
        if value.isFinite {
            #expect(parsed[0].double == value)
        } else {
            #expect(parsed == [.null])
        }
    }
}
