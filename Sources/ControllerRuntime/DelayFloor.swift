import KubeCore
import Logging

/// The shortest delay before a retry or a periodic repeat: 1 s. A requeue interval, a backoff's
/// ceiling or a rate limiter's ceiling below it (a `1ns` interval from an annotation) would make a
/// tight loop of API writes; one a second still lets a 2 s cadence work.
public enum DelayFloor {
    public static let minimum: Duration = .seconds(1)

    /// Values already warned about, so a value used on every reconcile is reported once.
    private static let warned = LockedState<Set<String>>([])

    /// `delay`, or `minimum` when `delay` is shorter, with a warning naming `what` (once per
    /// distinct name and value).
    public static func clamped(_ delay: Duration, _ what: @autoclosure () -> String, logger: Logger) -> Duration {
        guard delay < minimum else { return delay }
        let name = what()
        let first = warned.withLock { warned in
            if warned.count >= 256 { warned.removeAll() }
            return warned.insert("\(name)=\(delay)").inserted
        }
        if first {
            logger.warning("delay below the floor; using the floor", metadata: [
                "what": "\(name)", "value": "\(delay)", "floor": "\(minimum)",
            ])
        }
        return minimum
    }
}
