/// A Helm release's status as helm-controller records it in a HelmRelease's `status.history`
/// (Helm's release status names): one byte in the projection instead of a string.
public enum HelmReleaseStatus: String, Sendable, Equatable, CaseIterable {
    /// Absent or not one of Helm's names.
    case unknown
    case deployed
    case uninstalled
    case superseded
    case failed
    case uninstalling
    case pendingInstall = "pending-install"
    case pendingUpgrade = "pending-upgrade"
    case pendingRollback = "pending-rollback"

    public init(helm text: String?) {
        self = text.flatMap(Self.init(rawValue:)) ?? .unknown
    }
}
