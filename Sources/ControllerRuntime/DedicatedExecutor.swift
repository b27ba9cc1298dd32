import DequeModule
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KubeCore

/// A task executor with one thread of its own, for work whose deadlines must not wait behind
/// CPU-heavy jobs on the cooperative pool (as many threads as cores, and not preemptive): a report
/// computed over 100,000 objects can hold a pool thread for seconds, and a lease renewal queued
/// behind it would miss its renew deadline. The OS schedules this thread fairly instead.
///
/// Use with `withTaskExecutorPreference(executor) { ... }`; child tasks inherit the preference.
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    private struct State {
        var jobs = Deque<UnownedJob>()
        var stopped = false
    }
    private let state = LockedState(State())
    private let ready = DispatchSemaphore(value: 0)

    /// Starts the thread. It lives as long as the process unless `stop()` is called: executors are
    /// long-lived components (one per leader elector), not per-call objects. A positive `niceness`
    /// lowers the thread's scheduling priority (Linux nice values are per thread): work that may
    /// take a core for seconds then yields to the pool's threads when the cores are contended.
    public init(name: String, niceness: Int32 = 0) {
        let thread = Thread { [self] in
            #if canImport(Glibc)
            if niceness != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
            #endif
            loop()
        }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted {
            ready.signal()
        } else {
            // After stop() (a late timer or continuation) nothing may be lost: the global pool runs it.
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }

    /// Ends the thread once the queued jobs have run; later jobs run on the global pool.
    public func stop() {
        state.withLock { $0.stopped = true }
        ready.signal()
    }

    private func loop() {
        while true {
            ready.wait()
            let next = state.withLock { state -> (job: UnownedJob?, stop: Bool) in
                (state.jobs.popFirst(), state.stopped && state.jobs.isEmpty)
            }
            if let job = next.job { job.runSynchronously(on: asUnownedTaskExecutor()) }
            if next.stop { return }
        }
    }
}
