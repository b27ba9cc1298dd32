import CSystemShims

/// Gives the malloc heap's free pages back to the system after a large relist.
///
/// A relist frees megabytes of LIST pages (their JSON and token tapes), and at the end the old store,
/// between the objects it keeps; glibc keeps those freed pages resident, as it also raises its mmap
/// threshold to the size of the first large buffer freed, so later pages come from the heap. At
/// 300,000 objects that is 15–35 MiB of RSS after the initial sync, which `malloc_trim` returns
/// (docs/benchmarks.md, Memory). A no-op where libc is not glibc.
public enum FreeMemoryRelease {
    /// Relists of fewer objects free too little to be worth a pass over the heap.
    public static let minimumObjects = 2_000

    /// Returns the heap's free pages; the time it took.
    @discardableResult
    public static func run() -> Duration {
        let clock = ContinuousClock()
        return clock.measure { _ = flux_release_free_memory() }
    }
}
