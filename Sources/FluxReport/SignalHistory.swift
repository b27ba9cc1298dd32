import KubeCore

/// What the operator itself observed of an object over time (not in the object): the first time
/// it saw the current suspension and the current failure, Ready flips, the last failure reason.
///
/// The default value is a healthy object (last definite Ready True, nothing else), so a table
/// of these keeps entries only for objects that differ from it (`isDefault`).
public struct SignalHistory: Sendable, Equatable {
    public var suspendedSince: Int64 = 0
    public var failingSince: Int64 = 0
    /// Ready True ↔ False changes seen (Unknown in between, as during a normal reconcile, is not one).
    public var transitions: UInt32 = 0
    /// The last Ready status seen that was True or False (Unknown until one was seen).
    public var lastDefinite: ReadyStatus = .true
    public var lastFailureReason = ""

    public init() {}

    /// Folds in a version of the object observed at `now`; `first` when the object was just seen
    /// for the first time (an ADDED event: its Ready is where it starts, not a flip). Pure.
    public mutating func observe(_ object: FluxObject, now: Int64, first: Bool) {
        if first { lastDefinite = object.ready }
        if object.suspended {
            if suspendedSince == 0 { suspendedSince = now }
        } else {
            suspendedSince = 0
        }
        switch object.ready {
        case .false:
            // The condition's time is the better evidence when the failure began before we looked.
            if failingSince == 0 { failingSince = object.readySince > 0 ? min(object.readySince, now) : now }
            lastFailureReason = object.reason
        case .true:
            failingSince = 0
        case .unknown:
            break
        }
        if object.ready != .unknown {
            if lastDefinite != .unknown, lastDefinite != object.ready, transitions < UInt32.max { transitions += 1 }
            lastDefinite = object.ready
        }
    }

    public var isDefault: Bool { self == SignalHistory() }
}
