import Logging

/// `--log-level`: the operator's log threshold (`warn` is accepted for `warning`).
public enum LogLevel: String, Sendable, Hashable, CaseIterable {
    case trace, debug, info, warning, error

    public init?(flag: String) {
        switch flag.lowercased() {
        case "warn": self = .warning
        default: self.init(rawValue: flag.lowercased())
        }
    }
}

extension LogLevel {
    /// The swift-log level of the same name.
    public var swiftLogLevel: Logger.Level {
        switch self {
        case .trace: return .trace
        case .debug: return .debug
        case .info: return .info
        case .warning: return .warning
        case .error: return .error
        }
    }
}
