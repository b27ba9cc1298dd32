import CSystemShims
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The malloc settings every binary linking CSystemShims starts with (system_shims.c).
@Suite("Malloc settings")
struct MallocSettingsTests {
    /// glibc left alone raises its mmap threshold to the largest mmapped block freed (up to 32 MiB),
    /// so a block of 30 MiB asked after a freed 31 MiB one extends the heap. With the threshold fixed
    /// it is mmapped instead (or taken from free space inside the heap): the heap's end does not move
    /// by it.
    @Test(.enabled(if: flux_malloc_is_glibcs() == 1, "glibc's own malloc only (not under a sanitizer)"))
    func aLargeBlockFreedDoesNotMoveLaterOnesIntoTheHeap() {
        let freed = 31 << 20, asked = 30 << 20
        let large: UnsafeMutableRawPointer? = malloc(freed)
        #expect(large != nil)
        free(large)
        // The heap's free top goes back to the system: a block glibc puts in the heap must extend it.
        _ = flux_release_free_memory()
        let end = Int(bitPattern: sbrk(0))
        let block: UnsafeMutableRawPointer? = malloc(asked)
        defer { free(block) }
        #expect(block != nil)
        let grown = Int(bitPattern: sbrk(0)) - end
        #expect(grown < asked, "the heap grew by \(grown) bytes for a block of \(asked)")
    }
}
