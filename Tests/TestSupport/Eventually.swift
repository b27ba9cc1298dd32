/// A condition that did not hold in time.
public struct TimedOut: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it returns a value and returns that value; throws `TimedOut` naming
/// `message`, the caller's line and the last error the condition threw once `timeout` has passed.
///
/// Tests wait for an observable state this way instead of sleeping. `timeout` only bounds how long
/// a failing test hangs (a passing one returns as soon as the condition holds), so the default is
/// client-go's ForeverTestTimeout (30 s): suites running in parallel on two cores can delay a
/// passing one by seconds. Tests that assert a timing bound pass their own. Polling starts at 5 ms
/// and doubles up to `interval`, so short waits end promptly and long ones do not load the machine.
@discardableResult
public func eventually<T>(
    _ message: @autoclosure () -> String = "the condition", timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(100), fileID: String = #fileID, line: Int = #line,
    _ condition: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var pause = min(.milliseconds(5), interval)
    var lastError: (any Error)?
    while true {
        do {
            if let value = try await condition() { return value }
            lastError = nil
        } catch {
            lastError = error
        }
        if ContinuousClock.now >= deadline {
            let suffix = lastError.map { " (last error: \($0))" } ?? ""
            throw TimedOut("\(fileID):\(line): timed out after \(timeout): \(message())\(suffix)")
        }
        try await Task.sleep(for: pause)
        pause = min(pause * 2, interval)
    }
}

/// `eventually` for a Boolean condition.
public func waitUntil(
    _ message: @autoclosure () -> String = "the condition", timeout: Duration = .seconds(30),
    interval: Duration = .milliseconds(100), fileID: String = #fileID, line: Int = #line,
    _ condition: () async throws -> Bool
) async throws {
    try await eventually(message(), timeout: timeout, interval: interval, fileID: fileID, line: line) {
        try await condition() ? true : nil
    }
}
