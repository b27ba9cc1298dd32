import KubeCore
import CCurl
import Foundation
import Synchronization

/// One libcurl multi handle driven by one dedicated thread (`curl_multi_poll`).
///
/// Every transfer of the process (short requests and long-lived watches) runs here, so HTTP/2
/// connections are shared and multiplexed. Other threads only queue commands and call
/// `curl_multi_wakeup`, which libcurl documents as thread-safe.
final class CurlEngine: Sendable {
    static let shared = CurlEngine()

    private enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
    }

    private struct Handle: @unchecked Sendable { let multi: UnsafeMutableRawPointer? }

    private let handle: Handle
    private let commands = LockedState<[Command]>([])
    /// Number of transfers added and not yet finished (for tests and diagnostics).
    let activeCount = Atomic<Int>(0)

    private init() {
        CurlGlobal.initialize()
        // curl_multi_init only fails when out of memory; a nil handle then fails every request clearly.
        handle = Handle(multi: curl_multi_init())
        guard let multi = handle.multi else { return }
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        // No per-host connection cap: over HTTP/1.1 every watch holds a connection for minutes, so a
        // cap would queue short requests behind watches forever (client-go does not cap either).
        // Over HTTP/2 everything multiplexes on one connection anyway.
        let thread = Thread { [self] in
            if let multi = self.handle.multi { self.loop(multi) }
        }
        thread.name = "kube-client-curl"
        thread.start()
    }

    /// Hands a configured transfer to the engine; its completion runs on the engine thread.
    func start(_ transfer: CurlTransfer) {
        activeCount.add(1, ordering: .relaxed)
        guard let multi = handle.multi else {
            finish(transfer, CURLE_OUT_OF_MEMORY)
            return
        }
        commands.withLock { $0.append(.add(transfer)) }
        curl_multi_wakeup(multi)
    }

    /// Aborts a transfer; its completion reports `.cancelled`. Safe before, during and after it runs.
    func cancel(_ transfer: CurlTransfer) {
        transfer.cancelled.store(true, ordering: .releasing)
        guard let multi = handle.multi else { return }
        commands.withLock { $0.append(.cancel(transfer)) }
        curl_multi_wakeup(multi)
    }

    /// Resumes a transfer its sink paused (`CURL_WRITEFUNC_PAUSE`). `curl_easy_pause` must run on the
    /// thread driving the multi handle, so this only queues the command.
    func resume(_ transfer: CurlTransfer) {
        guard let multi = handle.multi else { return }
        commands.withLock { $0.append(.resume(transfer)) }
        curl_multi_wakeup(multi)
    }

    private func loop(_ multi: UnsafeMutableRawPointer) {
        // Owned by this thread only.
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        var running: Int32 = 0
        while true {
            let pending = commands.withLock { queue -> [Command] in
                let taken = queue
                queue.removeAll(keepingCapacity: true)
                return taken
            }
            for command in pending {
                switch command {
                case .add(let transfer):
                    if transfer.cancelled.load(ordering: .acquiring) {
                        finish(transfer, nil)
                    } else if curl_multi_add_handle(multi, transfer.easy) == CURLM_OK {
                        active[transfer.easy] = transfer
                    } else {
                        finish(transfer, CURLE_FAILED_INIT)
                    }
                case .cancel(let transfer):
                    if active.removeValue(forKey: transfer.easy) != nil {
                        curl_multi_remove_handle(multi, transfer.easy)
                        finish(transfer, nil)
                    }
                case .resume(let transfer):
                    // CURLPAUSE_CONT (0; a composite macro Swift does not import). The paused chunk
                    // may be handed to the sink again right here, which may pause once more.
                    if active[transfer.easy] === transfer { _ = curl_easy_pause(transfer.easy, 0) }
                }
            }
            _ = curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let result = message.pointee.data.result
                if let transfer = active.removeValue(forKey: easy) {
                    curl_multi_remove_handle(multi, easy)
                    finish(transfer, result)
                }
            }
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func finish(_ transfer: CurlTransfer, _ code: CURLcode?) {
        activeCount.subtract(1, ordering: .relaxed)
        transfer.finish(code)
    }
}

/// `curl_global_init` exactly once, before any engine thread starts.
enum CurlGlobal {
    private static let done: Bool = {
        _ = ccurl_global_init_default()
        return true
    }()

    static func initialize() { _ = done }
}

extension CurlEngine {
    /// Runs one transfer to its end; cancelling the task aborts it.
    func perform(_ request: HTTPRequest, sink: (any StreamSink)? = nil,
                 attach: ((CurlTransfer) -> Void)? = nil) async throws -> TransferResult {
        let done = OneShot<TransferResult>()
        let transfer = try CurlTransfer(request: request, sink: sink) { done.deliver($0) }
        attach?(transfer)
        return await withTaskCancellationHandler {
            start(transfer)
            return await done.wait()
        } onCancel: {
            cancel(transfer)
        }
    }
}
