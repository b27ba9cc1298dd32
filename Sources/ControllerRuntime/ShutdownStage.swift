import ServiceLifecycle

/// One step of the manager's graceful shutdown, as a service of an inner `ServiceGroup`: the group
/// shuts its services down in reverse order and waits for each to return before the next, which is
/// the order controller-runtime stops things in.
///
/// A stage runs its bodies together; when its turn comes they are cancelled (the HTTP servers turn
/// that into their own graceful shutdown) and the stage returns once every body has. A body that
/// throws takes the group, and the manager, down; one that returns just leaves.
struct ShutdownStage: Service {
    let name: String
    let bodies: [@Sendable () async throws -> Void]

    func run() async throws {
        guard !bodies.isEmpty else {
            // Nothing to run, but the group must still find this stage alive until its turn.
            try? await gracefulShutdown()
            return
        }
        try await cancelWhenGracefulShutdown { [bodies] in try await Self.runAll(bodies) }
    }

    private static func runAll(_ bodies: [@Sendable () async throws -> Void]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for body in bodies { group.addTask { try await body() } }
            while !group.isEmpty {
                do {
                    try await group.next()
                } catch is CancellationError {
                    continue  // stopping, not failing
                }
            }
        }
    }
}
