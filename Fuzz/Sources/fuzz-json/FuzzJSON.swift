import FuzzSupport
import KubeCore

/// JSON parser: no crash on any bytes; serialization is a fixpoint after one round
/// (parse → serialize → parse → serialize gives the same bytes), and the String and byte
/// entry points agree.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    guard let value = try? JSONValue.parse(input) else { return 0 }
    let once = value.serialized()
    let reparsed: JSONValue
    do {
        reparsed = try JSONValue.parse(once)
    } catch {
        invariant(false, "serialized JSON does not parse: \(error) in \(String(decoding: once, as: UTF8.self))")
        return 0
    }
    let twice = reparsed.serialized()
    invariant(once == twice, "serialization is not a fixpoint: \(String(decoding: once, as: UTF8.self)) vs \(String(decoding: twice, as: UTF8.self))")
    if let text = String(validating: input, as: UTF8.self) {
        invariant((try? JSONValue.parse(text)) == value, "String and byte parsers disagree")
    }
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_json_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzJSON)
}
