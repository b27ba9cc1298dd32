import FluxReport
import FuzzSupport
import KubeCore

/// FluxReport decoding (the object read back from the API server, `report` command): no crash;
/// a decoded report encodes (document and rendered JSON) and decodes back to the same report.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReport(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let json = try? JSONValue.parse(bytes(data, size)), let report = try? FluxReportObject(json: json) else { return 0 }
    let encoded = report.document.json
    let again: FluxReportObject
    do {
        again = try FluxReportObject(json: encoded)
    } catch {
        invariant(false, "an encoded report does not decode: \(error)")
        return 0
    }
    invariant(again == report, "report does not round-trip:\n\(report)\n\(again)")
    // JSON rendering only: YAML goes through Yams' emitter, slow enough to starve the search.
    let rendered = report.document.renderJSON()
    invariant((try? JSONValue.parse(rendered)).flatMap { try? FluxReportObject(json: $0) } == report, "rendered JSON does not decode back")
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_report_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzReport)
}
