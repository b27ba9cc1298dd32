import CSystemShims
import Logging

/// The process's limit on open descriptors. Every connection to the HTTP servers and to the API
/// server holds one; a soft limit of 1,024 (the usual default outside containers) would refuse
/// connections long before memory runs short. Go raises the soft limit to the hard one at start;
/// so does the operator.
public enum DescriptorLimit {
    public struct Limits: Sendable, Equatable {
        public var softBefore: UInt64
        public var hard: UInt64
        public var softAfter: UInt64
    }

    public struct Failure: Error, CustomStringConvertible {
        public var errno: Int32
        public var description: String { "setrlimit(RLIMIT_NOFILE) failed: errno \(errno)" }
    }

    /// Raises the soft limit to the hard limit.
    public static func raiseToHard() throws(Failure) -> Limits {
        var before: UInt64 = 0, hard: UInt64 = 0, after: UInt64 = 0
        let status = flux_raise_descriptor_limit(&before, &hard, &after)
        guard status == 0 else { throw Failure(errno: status) }
        return Limits(softBefore: before, hard: hard, softAfter: after)
    }

    /// `raiseToHard()`, logged at debug; a failure is logged as a warning and is not fatal (the
    /// soft limit stays as it was).
    public static func raiseToHard(logger: Logger) {
        do {
            let limits = try raiseToHard()
            logger.debug("descriptor limit", metadata: [
                "soft": "\(limits.softBefore)", "hard": "\(limits.hard)", "raisedTo": "\(limits.softAfter)",
            ])
        } catch {
            logger.warning("could not raise the descriptor limit", metadata: ["error": "\(error)"])
        }
    }
}
