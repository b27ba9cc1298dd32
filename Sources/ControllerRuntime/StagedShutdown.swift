import KubeCore

/// Runs bodies in stages and, on graceful shutdown, stops the stages one after another: every body
/// of a stage is cancelled and has returned before the next stage is cancelled.
///
/// Each body runs in a detached task, so the graceful-shutdown signal of the surrounding
/// `ServiceGroup` reaches it only through this order (a body that watches for graceful shutdown
/// itself, like an HTTP server, would otherwise stop at once). Cancelling the caller of `run`
/// (e.g. the escalation after the shutdown timeout) still cancels its body immediately.
final class StagedShutdown<Stage: CaseIterable & RawRepresentable & Sendable>: Sendable where Stage.RawValue == Int {
    private struct State {
        var tasks: [Int: [Int: Task<Void, any Error>]] = [:]
        var nextID = 0
        var stopping = false
    }

    private let state = LockedState(State())

    /// Runs `body` in `stage` until it returns, throws, or is cancelled.
    func run(_ stage: Stage, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task.detached { try await body() }
        let registered = state.withLock { state -> Int? in
            guard !state.stopping else { return nil }
            state.nextID += 1
            state.tasks[stage.rawValue, default: [:]][state.nextID] = task
            return state.nextID
        }
        if registered == nil { task.cancel() }
        defer {
            if let id = registered { _ = state.withLock { $0.tasks[stage.rawValue]?.removeValue(forKey: id) } }
        }
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// Starts stopping the stages in order; returns at once.
    func stopInOrder() {
        let alreadyStopping = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return state.stopping
        }
        guard !alreadyStopping else { return }
        Task.detached {
            for stage in Stage.allCases.sorted(by: { $0.rawValue < $1.rawValue }) {
                let tasks = self.state.withLock { Array(($0.tasks[stage.rawValue] ?? [:]).values) }
                for task in tasks { task.cancel() }
                for task in tasks { _ = await task.result }
            }
        }
    }
}
