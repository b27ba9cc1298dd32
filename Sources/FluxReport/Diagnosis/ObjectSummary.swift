/// One object as a diagnosis answer shows it: identity, Ready, its signals and their words.
/// A referenced object that does not exist has `exists` false and the state "not found".
public struct ObjectSummary: Sendable, Equatable {
    public var key: ObjectKey
    public var exists: Bool
    public var ready: ReadyStatus
    public var reason: String
    /// The Ready message (kept by the projection only when Ready is False).
    public var message: String
    public var signals: ObjectSignals
    /// HelmRelease `Drifted` True (shown even when another state comes first).
    public var drifted: Bool
    public var driftedSince: Int64
    /// Ready True ↔ False changes the operator observed (0 without history).
    public var flips: UInt32
    /// `DiagnosisWords.state`.
    public var state: String

    public init(key: ObjectKey, exists: Bool, ready: ReadyStatus, reason: String, message: String, signals: ObjectSignals,
                drifted: Bool, driftedSince: Int64, flips: UInt32, state: String) {
        self.key = key
        self.exists = exists
        self.ready = ready
        self.reason = reason
        self.message = message
        self.signals = signals
        self.drifted = drifted
        self.driftedSince = driftedSince
        self.flips = flips
        self.state = state
    }

    /// A referenced object that is not in the snapshot.
    public static func missing(_ key: ObjectKey) -> ObjectSummary {
        ObjectSummary(key: key, exists: false, ready: .unknown, reason: "NotFound",
                      message: "\(key.display) does not exist", signals: ObjectSignals(), drifted: false, driftedSince: 0,
                      flips: 0, state: "not found")
    }
}
