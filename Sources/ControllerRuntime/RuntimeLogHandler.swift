import Foundation
import KubeCore
import Logging

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
        let timestamp = Timestamp.rfc3339(Date(), fractionDigits: 3)
        switch encoding {
        case .json:
            var out: [UInt8] = []
            out.reserveCapacity(256)
            func field(_ key: String, _ value: String) {
                out.append(out.isEmpty ? UInt8(ascii: "{") : UInt8(ascii: ","))
                JSONValue.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                JSONValue.writeString(value, into: &out)
            }
            field("level", Self.levelName(level))
            field("ts", timestamp)
            field("logger", label)
            field("msg", message.description)
            for key in merged.keys.sorted() {
                guard let value = merged[key] else { continue }
                field(key, value.description)
            }
            out.append(UInt8(ascii: "}"))
            sink(String(decoding: out, as: UTF8.self))
        case .console:
            var out = "\(timestamp)\t\(Self.levelName(level).uppercased())\t\(label)\t\(message)"
            if !merged.isEmpty {
                var fields: [UInt8] = [UInt8(ascii: "{")]
                for (index, key) in merged.keys.sorted().enumerated() {
                    guard let value = merged[key] else { continue }
                    if index > 0 { fields.append(contentsOf: ", ".utf8) }
                    JSONValue.writeString(key, into: &fields)
                    fields.append(contentsOf: ": ".utf8)
                    JSONValue.writeString(value.description, into: &fields)
                }
                fields.append(UInt8(ascii: "}"))
                out += "\t" + String(decoding: fields, as: UTF8.self)
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
}
