import Synchronization

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
    let outcome = FirstOutcome<Value>()
    let work = Task {
        do { outcome.settle(.finished(try await body())) } catch { outcome.settle(.failed(error)) }
    }
    let timer = Task {
        try? await Task.sleep(until: deadline, clock: .continuous)
        outcome.settle(.timedOut)
    }
    let result = await outcome.value()
    work.cancel()
    timer.cancel()
    return result
}

private final class FirstOutcome<Value: Sendable>: Sendable {
    private let state = Mutex<(result: DeadlineOutcome<Value>?, waiter: CheckedContinuation<DeadlineOutcome<Value>, Never>?)>((nil, nil))

    func settle(_ value: DeadlineOutcome<Value>) {
        let waiter = state.withLock { state -> CheckedContinuation<DeadlineOutcome<Value>, Never>? in
            guard state.result == nil else { return nil }
            state.result = value
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> DeadlineOutcome<Value> {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> DeadlineOutcome<Value>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
