import FuzzSupport
import KubeClient

/// Kubeconfig (YAML): no crash on any text; a resolved configuration has an http(s) server.
/// Resolving a context reads the files a kubeconfig names, so it runs only on inputs that cannot
/// name one (no file keys, no YAML escapes that could spell them).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKubeconfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: bytes(data, size), as: UTF8.self)
    guard let config = try? Kubeconfig.parse(text, path: "/nonexistent/fuzz/config") else { return 0 }
    let mayNameFiles = ["certificate", "client-", "token", "\\", "%"].contains { text.contains($0) }
    if !mayNameFiles, let resolved = try? config.configuration() {
        invariant(resolved.server.hasPrefix("https://") || resolved.server.hasPrefix("http://"), "server \(resolved.server)")
    }
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_kubeconfig_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzKubeconfig)
}
