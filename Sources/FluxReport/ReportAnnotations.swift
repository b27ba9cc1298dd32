/// The FluxReport annotations (SPEC §2), as pure functions of the object's annotations.
public enum ReportAnnotations {
    public static let requestedAt = "reconcile.fluxcd.io/requestedAt"
    public static let reconcileEvery = "fluxcd.controlplane.io/reconcileEvery"
    public static let reconcile = "fluxcd.controlplane.io/reconcile"

    /// The `requestedAt` value, nil when absent or empty.
    public static func requestedAt(_ annotations: [String: String]) -> String? {
        guard let value = annotations[requestedAt], !value.isEmpty else { return nil }
        return value
    }

    /// A manual reconcile was requested and not handled yet.
    public static func hasPendingRequest(_ annotations: [String: String], lastHandled: String?) -> Bool {
        guard let value = requestedAt(annotations) else { return false }
        return value != lastHandled
    }

    /// The reporting interval: the `reconcileEvery` annotation when it is a valid positive Go duration,
    /// else `defaultInterval`.
    public static func interval(_ annotations: [String: String], default defaultInterval: Duration) -> Duration {
        guard let text = annotations[reconcileEvery], let d = try? GoDuration.parse(text), d > .zero else {
            return defaultInterval
        }
        return d
    }

    /// `fluxcd.controlplane.io/reconcile: disabled` (any case) pauses reporting.
    public static func isReconcileDisabled(_ annotations: [String: String]) -> Bool {
        annotations[reconcile]?.lowercased() == "disabled"
    }
}

/// Parses Go `time.ParseDuration` syntax: `300ms`, `30s`, `5m`, `1h30m`, `1.5h`, `-2s`; units ns us µs ms s m h.
public enum GoDuration {
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let input: String
        public var description: String { "invalid duration \"\(input)\"" }
    }

    public static func parse(_ text: String) throws(ParseError) -> Duration {
        var chars = Substring(text)
        var negative = false
        if let first = chars.first, first == "-" || first == "+" {
            negative = first == "-"
            chars = chars.dropFirst()
        }
        if chars == "0" { return .zero }
        guard !chars.isEmpty else { throw ParseError(input: text) }
        var totalNanos: Double = 0
        while !chars.isEmpty {
            let number = chars.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1,
                  let value = Double(number)
            else { throw ParseError(input: text) }
            chars = chars.dropFirst(number.count)
            let unit = chars.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let scale = unitNanos[String(unit)] else { throw ParseError(input: text) }
            chars = chars.dropFirst(unit.count)
            totalNanos += value * scale
        }
        // Go rejects durations beyond ~292 years.
        guard totalNanos <= Double(Int64.max) else { throw ParseError(input: text) }
        let nanos = Int64(totalNanos.rounded())
        return .nanoseconds(negative ? -nanos : nanos)
    }

    static let unitNanos: [String: Double] = [
        "ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9,
    ]

    /// Go's `Duration.String()` for whole seconds: `3s`, `1m5s`, `2h0m0s`.
    public static func formatSeconds(_ seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        return "\(seconds / 3600)h\((seconds % 3600) / 60)m\(seconds % 60)s"
    }
}
