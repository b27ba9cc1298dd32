import Foundation

/// Polling helpers: end-to-end tests wait for an observable state instead of sleeping blindly.
struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` every `interval` until it returns a value, or throws `TimedOut` with `message`
/// (plus the last error the condition threw) after `timeout`.
@discardableResult
func eventually<T>(
    _ message: @autoclosure () -> String, timeout: Duration = .seconds(20), interval: Duration = .milliseconds(100),
    _ condition: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var lastError: (any Error)?
    while true {
        do {
            if let value = try await condition() { return value }
        } catch {
            lastError = error
        }
        if ContinuousClock.now >= deadline {
            let suffix = lastError.map { " (last error: \($0))" } ?? ""
            throw TimedOut(description: "timed out after \(timeout): \(message())\(suffix)")
        }
        try await Task.sleep(for: interval)
    }
}

/// Like `eventually` for a Boolean condition.
func waitUntil(
    _ message: @autoclosure () -> String, timeout: Duration = .seconds(20), interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    try await eventually(message(), timeout: timeout, interval: interval) { try await condition() ? true : nil }
}

/// Prints a timestamped line, to line test phases up with the operator's JSON log (`ts`, UTC).
func note(_ message: String) {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    print("[E2E \(formatter.string(from: Date()))] \(message)")
}
