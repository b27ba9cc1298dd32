/// A size in bytes as a flag or chart value spells it: a whole number with an optional binary
/// suffix `Ki`, `Mi` or `Gi` (a Kubernetes quantity's), e.g. `64Mi`, `512Ki`, `1048576`, `0`.
public enum ByteQuantity {
    static let suffixes: [(String, Int)] = [("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30)]

    /// The bytes `text` names, nil when it is not such a size or does not fit an `Int`.
    public static func parse(_ text: String) -> Int? {
        var digits = Substring(text)
        var unit = 1
        for (suffix, multiplier) in suffixes where digits.hasSuffix(suffix) {
            digits = digits.dropLast(suffix.count)
            unit = multiplier
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let count = Int(digits) else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: unit)
        return overflow ? nil : bytes
    }
}
