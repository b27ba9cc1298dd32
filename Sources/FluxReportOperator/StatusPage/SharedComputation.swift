import KubeCore

/// Work of the status page that many requests ask for at once (the report, a list page): one
/// computation at a time per key, on `executor` (a thread of its own, off the cooperative pool,
/// so `/healthz`, watches and reconciles do not wait behind it), shared by every request that
/// asks while it runs. Such a request gets that computation's result even if the caches changed
/// meanwhile: the next request after it computes again, not each waiter. A result is reused as
/// long as the caches' version is the one it was computed for.
///
/// At most `capacity` keys are remembered (the least recently used are forgotten); a running
/// computation is never forgotten.
final class SharedComputation<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var latest: (version: UInt64, value: Value)?
        var running: OneShot<Value>?
        var lastUsed: UInt64 = 0
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var uses: UInt64 = 0
        var computations = 0
    }

    private enum Next {
        case ready(Value)
        case join(OneShot<Value>)
        case start(OneShot<Value>)
    }

    private let state = LockedState(State())
    private let executor: (any TaskExecutor)?
    private let capacity: Int

    init(executor: (any TaskExecutor)?, capacity: Int = 64) {
        self.executor = executor
        self.capacity = max(1, capacity)
    }

    /// Computations started so far (the overview shows it; tests count with it).
    var computations: Int { state.withLock { $0.computations } }

    /// Calls of `value` so far, answered or waiting (tests).
    var requests: UInt64 { state.withLock { $0.uses } }

    /// The value for `key` as of `version` (or later), computing it with `compute` only when no
    /// computation for `key` runs and none was made for `version` yet.
    func value(for key: Key, version: UInt64, compute: @escaping @Sendable () -> Value) async -> Value {
        let next = state.withLock { state -> Next in
            state.uses &+= 1
            var entry = state.entries[key] ?? Entry()
            entry.lastUsed = state.uses
            defer { state.entries[key] = entry }
            if let latest = entry.latest, latest.version >= version { return .ready(latest.value) }
            if let running = entry.running { return .join(running) }
            let running = OneShot<Value>()
            entry.running = running
            state.computations += 1
            if state.entries.count >= capacity, state.entries[key] == nil { Self.forgetOldest(&state.entries) }
            return .start(running)
        }
        switch next {
        case .ready(let value):
            return value
        case .join(let running):
            return await running.wait()
        case .start(let running):
            Task(executorPreference: executor) { [self] in
                let value = compute()
                state.withLock { state in
                    state.entries[key]?.running = nil
                    if (state.entries[key]?.latest?.version).map({ $0 < version }) ?? true {
                        state.entries[key]?.latest = (version, value)
                    }
                }
                running.deliver(value)
            }
            return await running.wait()
        }
    }

    private static func forgetOldest(_ entries: inout [Key: Entry]) {
        let idle = entries.filter { $0.value.running == nil }
        guard let oldest = idle.min(by: { $0.value.lastUsed < $1.value.lastUsed }) else { return }
        entries[oldest.key] = nil
    }
}
