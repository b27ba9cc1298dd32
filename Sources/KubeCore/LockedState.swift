#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The project's one lock: a value reachable only while a pthread mutex is held.
///
/// It has `Synchronization.Mutex`'s shape (`withLock`, `inout sending` access, `sending` results)
/// but is built on `pthread_mutex_t` because ThreadSanitizer models pthread locks and not the
/// futex-based `Mutex` on Linux: with `Mutex`, `hack/tsan` reports races inside correct critical
/// sections (`hack/tsan-repro/mutex.swift`), so it could not gate CI. An uncontended pthread lock
/// costs the same two atomic operations, so production uses exactly what TSan checks.
public final class LockedState<Value: ~Copyable>: @unchecked Sendable {
    // Both live at fixed addresses: a pthread mutex must not move once initialised.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    public init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        // Default attributes: a normal (non-recursive) mutex, as `Mutex` is; re-entry is a bug.
        pthread_mutex_init(mutex, nil)
        value = .allocate(capacity: 1)
        value.initialize(to: initialValue)
    }

    deinit {
        value.deinitialize(count: 1)
        value.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value. Do not call back into the same lock.
    public func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }

    /// Like `withLock`, but returns nil at once instead of waiting when another thread holds it.
    public func withLockIfAvailable<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}
