/// `--log-encoding`: JSON lines or human-readable console lines.
public enum LogEncoding: String, Sendable, Hashable, CaseIterable {
    case json, console
}
