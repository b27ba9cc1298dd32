import FuzzSupport
import KubeClient
import KubeCore

/// The `Retry-After` header: no crash; the delay is nil or within [0, 1 h]; decimal seconds up to
/// the cap are taken as they are.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRetryAfter(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let header = String(decoding: bytes(data, size), as: UTF8.self)
    let error = KubeAPIError.fromResponse(code: 429, body: [], retryAfterHeader: header)
    if let retry = error.retryAfter {
        invariant(retry >= .zero && retry <= KubeAPIError.maxRetryAfter, "retryAfter \(retry) for \(header)")
        invariant(DecoderEntryPoints.milliseconds(retry) <= 3_600_000, "milliseconds")
    }
    if let seconds = Int(header), seconds >= 0, seconds <= 3600 {
        invariant(error.retryAfter == .seconds(seconds), "\(header) → \(String(describing: error.retryAfter))")
    }
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_retry_after_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzRetryAfter)
}
