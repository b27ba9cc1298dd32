#if canImport(Glibc)
import Foundation
import Testing
@testable import ControllerRuntime

/// `FreeMemoryRelease` really hands freed heap pages back: 64 MiB freed between blocks that stay (as
/// a relist frees its LIST pages between the objects it keeps) leave the RSS only when it runs.
@Suite("Free memory release")
struct FreeMemoryReleaseTests {
    static func anonymousKiB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    /// Under ThreadSanitizer (`hack/tsan`) allocations go through its own allocator, not glibc's.
    static var glibcAllocates: Bool { dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") == nil }

    @Test(.enabled(if: glibcAllocates, "ThreadSanitizer's allocator is not glibc's"))
    func freedHeapPagesLeaveTheRSS() {
        // Blocks of one size under glibc's mmap threshold, taken one after the other from the heap;
        // every other one is freed. The kept ones stand between the freed ones, so these cannot
        // merge into the heap's top (which glibc returns by itself on `free`). Kept blocks of
        // another size could come from free lists elsewhere and leave the freed ones side by side.
        let chunk = 64 * 1024
        var blocks: [UnsafeMutableRawPointer] = []
        for _ in 0..<2048 {
            let block = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: chunk)
            blocks.append(block)
        }
        for (index, block) in blocks.enumerated() where index % 2 == 0 { block.deallocate() }
        let before = Self.anonymousKiB()
        FreeMemoryRelease.run()
        let after = Self.anonymousKiB()
        for (index, block) in blocks.enumerated() where index % 2 == 1 { block.deallocate() }
        #expect(before - after >= 32 * 1024, "RssAnon \(before) KiB before, \(after) KiB after")
    }
}
#endif
