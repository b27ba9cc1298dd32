import KubeCore

/// Named readiness/liveness checks for `/readyz` and `/healthz` (controller-runtime's `healthz.Checker`).
public final class HealthChecks: Sendable {
    public typealias Check = @Sendable () async -> Bool
    private let readiness = LockedState<[(String, Check)]>([])
    private let liveness = LockedState<[(String, Check)]>([])

    public init() {}

    public func addReadinessCheck(_ name: String, _ check: @escaping Check) { readiness.withLock { $0.append((name, check)) } }
    public func addLivenessCheck(_ name: String, _ check: @escaping Check) { liveness.withLock { $0.append((name, check)) } }

    /// Names of the failing readiness checks (empty: ready).
    public func failingReadiness() async -> [String] { await failing(readiness.withLock { $0 }) }
    public func failingLiveness() async -> [String] { await failing(liveness.withLock { $0 }) }

    private func failing(_ checks: [(String, Check)]) async -> [String] {
        var failed: [String] = []
        for (name, check) in checks where !(await check()) { failed.append(name) }
        return failed
    }
}
