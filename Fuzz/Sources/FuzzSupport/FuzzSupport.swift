import CLibFuzzer
import Dispatch
import Synchronization

/// Fails the run: libFuzzer reports the trap as a crash and saves the input.
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("invariant violated: \(message())", file: file, line: line) }
}

/// The fuzzer's input as bytes.
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Splits `input` into chunks whose lengths come from a few leading bytes: the same payload cut at
/// fuzzer-chosen boundaries. Returns the payload and its chunks.
public func chunked(_ input: [UInt8]) -> (payload: [UInt8], chunks: [[UInt8]]) {
    guard let first = input.first else { return ([], []) }
    let cuts = Int(first % 8)
    let header = min(cuts, input.count - 1)
    let sizes = input[1..<(1 + header)].map { Int($0 % 32) + 1 }
    let payload = Array(input[(1 + header)...])
    var chunks: [[UInt8]] = []
    var index = 0
    var i = 0
    while index < payload.count {
        let size = sizes.isEmpty ? payload.count : sizes[i % sizes.count]
        let end = min(payload.count, index + size)
        chunks.append(Array(payload[index..<end]))
        index = end
        i += 1
    }
    return (payload, chunks)
}

private final class Box<T: Sendable>: Sendable {
    let value = Mutex<T?>(nil)
}

/// Runs async code to completion from libFuzzer's synchronous callback.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = Box<T>()
    let done = DispatchSemaphore(value: 0)
    Task {
        let result = await body()
        box.value.withLock { $0 = result }
        done.signal()
    }
    done.wait()
    guard let result = box.value.withLock({ $0 }) else { fatalError("runBlocking: no result") }
    return result
}

/// Runs libFuzzer's driver with `test` as the fuzz target: the body of every target's `<module>_main`.
public func runFuzzer(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>,
                      _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32 {
    var argc = argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&argc, &argv, test)
}
