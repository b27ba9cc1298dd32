import FluxReport
import FuzzSupport

/// The `--metrics-object-labels` key sanitizer and selection: every name is a valid Prometheus label
/// name (`label_[a-zA-Z0-9_]*`), one per kept key, no duplicates, none clashing with a family's own
/// labels; sanitizing keeps the scalar count and is idempotent.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLabelKeys(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: bytes(data, size), as: UTF8.self)
    let keys = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    for key in keys {
        let name = MetricLabels.sanitize(key)
        invariant(name.unicodeScalars.count == key.unicodeScalars.count, "sanitize changed the length of \(key)")
        invariant(name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) },
                  "sanitize left \(name)")
        invariant(MetricLabels.sanitize(name) == name, "sanitize is not idempotent on \(key)")
    }
    let selection = ObjectLabelSelection(keys: keys)
    invariant(selection.keys.count == selection.labelNames.count, "keys and names misaligned")
    invariant(Set(selection.labelNames).count == selection.labelNames.count, "duplicate label names \(selection.labelNames)")
    for family in FluxMetricFamily.allCases {
        let names = family.labelNames(objectLabels: selection)
        invariant(Set(names).count == names.count, "label names clash in \(family): \(names)")
    }
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_label_keys_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzLabelKeys)
}
