import KubeCore
import FluxReport
import Testing

@Suite struct FormattingTests {
    @Test(arguments: [
        (Int64(0), "0 B"), (1, "1 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1280, "1.2 KiB"), (1331, "1.3 KiB"),
        (1_048_575, "1024.0 KiB"), (1_048_576, "1.0 MiB"), (3_879_731, "3.7 MiB"), (42_467_328, "40.5 MiB"),
        (1_073_741_824, "1.0 GiB"), (5_905_580_032, "5.5 GiB"), (1_099_511_627_776, "1.0 TiB"),
    ])
    func byteSize(bytes: Int64, expected: String) {
        #expect(ByteSize.format(bytes) == expected)
    }

    @Test(arguments: [
        ("30s", Duration.seconds(30)), ("5m", .seconds(300)), ("1h30m", .seconds(5400)), ("1.5h", .seconds(5400)),
        ("300ms", .milliseconds(300)), ("2h45m10s", .seconds(9910)), ("10us", .microseconds(10)),
        ("10µs", .microseconds(10)), ("7ns", .nanoseconds(7)), ("0", .zero), ("-2s", .seconds(-2)), (".5s", .milliseconds(500)),
    ])
    func goDuration(text: String, expected: Duration) throws {
        #expect(try GoDuration.parse(text) == expected)
    }

    @Test(arguments: ["", "30", "5 m", "1x", "h", "1..5s", "s30", "1h30", "-", "abc", "1d"])
    func invalidGoDuration(text: String) {
        #expect(throws: GoDuration.ParseError.self) { try GoDuration.parse(text) }
    }

    @Test(arguments: [
        (Duration.milliseconds(272), "272ms"), (.microseconds(272_400), "272ms"), (.microseconds(999_600), "1s"),
        (.microseconds(300), "0s"), (.seconds(3), "3s"), (.milliseconds(2_600), "3s"), (.milliseconds(3_400), "3s"),
        (.seconds(65), "1m5s"), (.zero, "0s"),
    ])
    func reportingDuration(duration: Duration, expected: String) {
        #expect(ReportBuilder.durationText(duration) == expected)
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"), (951_782_400, "2000-02-29T00:00:00Z"),
        (1_714_564_800, "2024-05-01T12:00:00Z"), (4_102_444_799, "2099-12-31T23:59:59Z"),
    ])
    func rfc3339(seconds: Int64, expected: String) {
        #expect(Timestamp.rfc3339(secondsSinceEpoch: seconds) == expected)
    }
}

@Suite struct AnnotationTests {
    @Test func requestedAt() {
        #expect(ReportAnnotations.requestedAt([:]) == nil)
        #expect(ReportAnnotations.requestedAt([ReportAnnotations.requestedAt: ""]) == nil)
        #expect(ReportAnnotations.requestedAt([ReportAnnotations.requestedAt: "1714564800"]) == "1714564800")
        let annotations = [ReportAnnotations.requestedAt: "1714564800"]
        #expect(ReportAnnotations.hasPendingRequest(annotations, lastHandled: nil))
        #expect(ReportAnnotations.hasPendingRequest(annotations, lastHandled: "1714564000"))
        #expect(!ReportAnnotations.hasPendingRequest(annotations, lastHandled: "1714564800"))
        #expect(!ReportAnnotations.hasPendingRequest([:], lastHandled: nil))
    }

    @Test(arguments: [
        ("30s", Duration.seconds(30)), ("1h30m", .seconds(5400)), ("bogus", .seconds(300)), ("", .seconds(300)),
        ("0s", .seconds(300)), ("-5m", .seconds(300)),
    ])
    func interval(value: String, expected: Duration) {
        #expect(ReportAnnotations.interval([ReportAnnotations.reconcileEvery: value], default: .seconds(300)) == expected)
    }

    @Test func intervalAbsentIsDefault() {
        #expect(ReportAnnotations.interval([:], default: .seconds(120)) == .seconds(120))
    }

    @Test(arguments: [("disabled", true), ("Disabled", true), ("DISABLED", true), ("enabled", false), ("", false), ("off", false)])
    func paused(value: String, expected: Bool) {
        #expect(ReportAnnotations.isReconcileDisabled([ReportAnnotations.reconcile: value]) == expected)
    }

    @Test func absentMeansEnabled() {
        #expect(!ReportAnnotations.isReconcileDisabled([:]))
    }
}
