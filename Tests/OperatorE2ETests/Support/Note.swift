import Foundation

/// Prints a timestamped line, to line test phases up with the operator's JSON log (`ts`, UTC).
func note(_ message: String) {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    print("[E2E \(formatter.string(from: Date()))] \(message)")
}
