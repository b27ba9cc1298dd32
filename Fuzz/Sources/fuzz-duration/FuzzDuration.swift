import FluxReport
import FuzzSupport

/// Go durations (`reconcileEvery`, `--reporting-interval`, `REPORTING_INTERVAL`): no trap on any
/// text; whatever parses formats back (Go's `Duration.String`) to text that parses to the same
/// value; the first 8 bytes as an Int64 round-trip through format → parse; the annotation falls back
/// to the default for anything not a positive duration.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDuration(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let text = String(decoding: input, as: UTF8.self)
    if let nanos = try? GoDuration.parseNanoseconds(text) {
        let formatted = GoDuration.format(nanoseconds: nanos)
        invariant((try? GoDuration.parseNanoseconds(formatted)) == nanos, "\(text) → \(nanos) → \(formatted) does not round-trip")
        invariant((try? GoDuration.parse(text)) == .nanoseconds(nanos), "parse and parseNanoseconds disagree")
        let interval = ReportAnnotations.interval([ReportAnnotations.reconcileEvery: text], default: .seconds(300))
        invariant(interval == (nanos > 0 ? .nanoseconds(nanos) : .seconds(300)), "interval fallback")
    } else {
        let interval = ReportAnnotations.interval([ReportAnnotations.reconcileEvery: text], default: .seconds(300))
        invariant(interval == .seconds(300), "invalid text did not fall back")
    }
    if input.count >= 8 {
        var raw: UInt64 = 0
        for byte in input.prefix(8) { raw = raw << 8 | UInt64(byte) }
        let value = Int64(bitPattern: raw)
        let formatted = GoDuration.format(nanoseconds: value)
        invariant((try? GoDuration.parseNanoseconds(formatted)) == value, "\(value) → \(formatted) does not round-trip")
    }
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_duration_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzDuration)
}
