import KubeCore

extension FluxReportStatus {
    /// The `Ready` condition, if any.
    public var ready: Condition? { conditions.first { $0.type == FluxReportAPI.readyCondition } }
}
