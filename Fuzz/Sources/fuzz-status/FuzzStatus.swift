import FuzzSupport
import KubeClient
import KubeCore

/// `metav1.Status` decoding (error bodies and watch `ERROR` events) and the error built from it:
/// no crash; `Status(json:)` of its own `json` is the same Status; `retryAfter` is never negative
/// nor above the cap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let code = input.first.map { 400 + Int($0) % 200 } ?? 500
    let error = KubeAPIError.fromResponse(code: code, body: input)
    if let retry = error.retryAfter {
        invariant(retry >= .zero && retry <= KubeAPIError.maxRetryAfter, "retryAfter \(retry)")
    }
    guard let json = try? JSONValue.parse(input), let status = Status(json: json) else { return 0 }
    invariant(Status(json: status.json) == status, "Status does not round-trip: \(status)")
    let fromEvent = KubeAPIError(status: status)
    if let retry = fromEvent.retryAfter {
        invariant(retry >= .zero && retry <= KubeAPIError.maxRetryAfter, "retryAfter \(retry)")
    }
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_status_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzStatus)
}
