import Foundation

/// Runs blocking work (a child process's I/O, waiting for it to exit) on a thread of its own.
///
/// Swift's cooperative pool has one thread per core (two on these machines), and GCD's global
/// queues add threads for blocked work only slowly: a blocking wait on either stalls every
/// unrelated task meanwhile, lease renewals and watch decoding included.
public enum BlockingWork {
    public static func run<T: Sendable>(name: String = "blocking-work", _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.name = name
            thread.start()
        }
    }

    public static func run<T: Sendable>(name: String = "blocking-work", _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }
}
