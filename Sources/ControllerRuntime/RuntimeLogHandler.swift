import Foundation
import Logging
import Synchronization

/// A swift-log handler shaped like controller-runtime's zap output.
///
/// `json`:    `{"level":"info","ts":"2024-01-02T03:04:05.678Z","logger":"controller","msg":"...","key":"value"}`
/// `console`: `2024-01-02T03:04:05.678Z\tINFO\tcontroller\tmsg\t{"key": "value"}`
public struct RuntimeLogHandler: LogHandler {
    public enum Encoding: String, Sendable, CaseIterable {
        case json, console
    }

    /// Where lines go; defaults to stderr. Tests capture lines through it.
    public typealias Sink = @Sendable (String) -> Void

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let encoding: Encoding
    private let sink: Sink

    public init(label: String, encoding: Encoding = .json, level: Logger.Level = .info, sink: Sink? = nil) {
        self.label = label
        self.encoding = encoding
        self.logLevel = level
        self.sink = sink ?? { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Bootstraps swift-log once for the process.
    public static func bootstrap(encoding: Encoding, level: Logger.Level) {
        LoggingSystem.bootstrap { label in RuntimeLogHandler(label: label, encoding: encoding, level: level) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?) {
        var merged = self.metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        let timestamp = Self.timestamp()
        switch encoding {
        case .json:
            var out = "{\"level\":\"\(Self.levelName(level))\",\"ts\":\"\(timestamp)\",\"logger\":"
            Self.appendJSONString(label, to: &out)
            out += ",\"msg\":"
            Self.appendJSONString(message.description, to: &out)
            for key in merged.keys.sorted() {
                guard let value = merged[key] else { continue }
                out += ","
                Self.appendJSONString(key, to: &out)
                out += ":"
                Self.appendJSONString(value.description, to: &out)
            }
            out += "}"
            sink(out)
        case .console:
            var out = "\(timestamp)\t\(Self.levelName(level).uppercased())\t\(label)\t\(message)"
            if !merged.isEmpty {
                var fields = "{"
                for (index, key) in merged.keys.sorted().enumerated() {
                    guard let value = merged[key] else { continue }
                    if index > 0 { fields += ", " }
                    Self.appendJSONString(key, to: &fields)
                    fields += ": "
                    Self.appendJSONString(value.description, to: &fields)
                }
                out += "\t" + fields + "}"
            }
            sink(out)
        }
    }

    /// zap's level names; swift-log's extra levels map to the nearest.
    static func levelName(_ level: Logger.Level) -> String {
        switch level {
        case .trace: return "trace"
        case .debug: return "debug"
        case .info, .notice: return "info"
        case .warning: return "warn"
        case .error: return "error"
        case .critical: return "dpanic"
        }
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }

    static func appendJSONString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
