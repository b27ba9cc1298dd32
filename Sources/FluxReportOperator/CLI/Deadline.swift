import KubeCore

/// The outcome of work raced against a deadline.
enum DeadlineOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    case failed(any Error)
    case timedOut
}

/// Runs `body` until `deadline`. On time-out the work is cancelled but not awaited: a one-shot command
/// must answer in bounded time even if something below ignores cancellation.
func race<Value: Sendable>(until deadline: ContinuousClock.Instant,
                           _ body: @escaping @Sendable () async throws -> Value) async -> DeadlineOutcome<Value> {
    let outcome = OneShot<DeadlineOutcome<Value>>()
    let work = Task {
        do { outcome.deliver(.finished(try await body())) } catch { outcome.deliver(.failed(error)) }
    }
    let timer = Task {
        try? await Task.sleep(until: deadline, clock: .continuous)
        outcome.deliver(.timedOut)
    }
    let result = await outcome.wait()
    work.cancel()
    timer.cancel()
    return result
}
