import ControllerRuntime
import KubeCore

/// The status page's request budget per client (`ClientAddress`): a token bucket each, so one
/// client asking back to back cannot take the page's work from the others. A request over budget
/// is told how long to wait (HTTP 429 with Retry-After).
///
/// Buckets are kept for at most `capacity` clients: a full bucket is the same as none and is
/// forgotten first, then the client seen longest ago.
final class ClientRateLimiter: Sendable {
    /// A page load is two or three API requests and a live page one or two per change (four
    /// changes a second at most): room for several users' tabs behind one address (a
    /// port-forward, a proxy), while one client asking back to back gets a bounded share.
    static let ratePerSecond = 50.0
    static let burst = 100
    static let capacity = 4096

    private struct Entry {
        var bucket: TokenBucketState
        var lastSeen: Double
    }

    private let state = LockedState([ClientAddress: Entry]())
    private let ratePerSecond: Double
    private let burst: Int
    private let capacity: Int
    private let clock: any RuntimeClock

    init(ratePerSecond: Double = ClientRateLimiter.ratePerSecond, burst: Int = ClientRateLimiter.burst,
         capacity: Int = ClientRateLimiter.capacity, clock: any RuntimeClock = SystemClock()) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        self.capacity = max(1, capacity)
        self.clock = clock
    }

    /// Takes a token for `client`: nil when the request may go on, else the whole seconds until a
    /// token is back (at least 1), for Retry-After.
    func admit(_ client: ClientAddress) -> Int? {
        let now = clock.now() / .seconds(1)
        return state.withLock { entries -> Int? in
            if entries[client] == nil, entries.count >= capacity { Self.evict(&entries, now: now, keep: capacity - 1) }
            var entry = entries[client] ?? Entry(bucket: TokenBucketState(ratePerSecond: ratePerSecond, burst: burst), lastSeen: now)
            entry.lastSeen = now
            let allowed = entry.bucket.take(at: now)
            entries[client] = entry
            if allowed { return nil }
            guard entry.bucket.ratePerSecond > 0 else { return 3600 }
            let seconds = ((1 - entry.bucket.tokens) / entry.bucket.ratePerSecond).rounded(.up)
            return seconds.isFinite ? Int(min(max(seconds, 1), 3600)) : 3600
        }
    }

    /// Clients with a bucket (tests).
    var trackedClients: Int { state.withLock { $0.count } }

    /// Down to `keep` entries: full buckets first, then the least recently seen.
    private static func evict(_ entries: inout [ClientAddress: Entry], now: Double, keep: Int) {
        entries = entries.filter { _, entry in
            var bucket = entry.bucket
            bucket.advance(to: now)
            return bucket.tokens < bucket.burst
        }
        guard entries.count > keep else { return }
        let oldest = entries.sorted { $0.value.lastSeen < $1.value.lastSeen }.prefix(entries.count - keep)
        for (client, _) in oldest { entries[client] = nil }
    }
}
