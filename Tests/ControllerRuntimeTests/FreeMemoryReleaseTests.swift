#if canImport(Glibc)
import Foundation
import Testing
@testable import ControllerRuntime

/// `FreeMemoryRelease` really hands freed heap pages back: 64 MiB freed between small blocks that
/// stay (as a relist frees its LIST pages between the objects it keeps) leave the RSS until it runs.
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
        let chunk = 64 * 1024  // under glibc's mmap threshold: from the heap
        var big: [UnsafeMutableRawPointer] = []
        var kept: [UnsafeMutableRawPointer] = []
        for _ in 0..<1024 {
            let block = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: chunk)
            big.append(block)
            kept.append(UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 16))
        }
        for block in big { block.deallocate() }
        let before = Self.anonymousKiB()
        FreeMemoryRelease.run()
        let after = Self.anonymousKiB()
        for block in kept { block.deallocate() }
        #expect(before - after >= 32 * 1024, "RssAnon \(before) KiB before, \(after) KiB after")
    }
}
#endif
