/// What a reconcile asks the controller to do next.
public enum ReconcileResult: Sendable, Hashable {
    /// Finished; the key is forgotten by the rate limiter.
    case done
    /// Requeue with rate-limited backoff.
    case requeue
    /// Requeue after a fixed delay (the backoff history is cleared).
    case requeueAfter(Duration)
}

/// Brings the world in line with the desired state of one key (controller-runtime's `Reconciler`).
/// Throwing means "failed, retry with backoff".
public protocol Reconciler<Key>: Sendable {
    associatedtype Key: Hashable & Sendable
    func reconcile(_ request: Key) async throws -> ReconcileResult
}

/// A reconciler from a closure.
public struct ReconcilerFunc<Key: Hashable & Sendable>: Reconciler {
    private let body: @Sendable (Key) async throws -> ReconcileResult
    public init(_ body: @escaping @Sendable (Key) async throws -> ReconcileResult) { self.body = body }
    public func reconcile(_ request: Key) async throws -> ReconcileResult { try await body(request) }
}
