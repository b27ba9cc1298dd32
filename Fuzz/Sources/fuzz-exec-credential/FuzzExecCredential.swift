import FuzzSupport
import KubeClient

/// Exec credential plugin output (`ExecCredential` JSON): no crash; whatever is accepted carries a
/// token or a client certificate, for either supported apiVersion.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzExecCredential(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    for version in ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"] {
        _ = DecoderEntryPoints.execCredential(input, apiVersion: version)
    }
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_exec_credential_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzExecCredential)
}
