import CSystemShims

/// Gives the malloc heap's free pages back to the system after a large relist.
///
/// A relist frees the blocks of its LIST pages under the mmap threshold (system_shims.c), and at the
/// end the old store, between the objects it keeps; glibc keeps the freed pages resident, which
/// `malloc_trim` returns (at 300,000 objects with glibc's own threshold, 15–35 MiB of RSS after the
/// initial sync; docs/benchmarks.md, Memory). A no-op where libc is not glibc.
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
