import ControllerRuntime
import Glibc
import Testing

@Suite struct DedicatedExecutorTests {
    /// Jobs run on the executor's thread, at the niceness it was given (per thread on Linux); the
    /// pool's threads keep their own.
    @Test func runsJobsOnItsThreadAtItsNiceness() async {
        let executor = DedicatedExecutor(name: "niceness-test", niceness: 7)
        defer { executor.stop() }
        let outside = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        let inside = await withTaskExecutorPreference(executor) {
            getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        }
        #expect(inside == min(19, outside + 7))
        #expect(getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) == outside)
    }
}
