import KubeCore

/// Names of the API (docs/report.md).
public enum FluxReportAPI {
    public static let group = "fluxcd.controlplane.io"
    public static let version = "v1"
    public static let apiVersion = "fluxcd.controlplane.io/v1"
    public static let kind = "FluxReport"
    public static let reportName = "flux"
    public static let readyCondition = "Ready"
    /// Extra condition with the report-level stale count (docs/monitoring.md, Signals).
    public static let staleCondition = "ReconcilersStale"
    public static let reasonSucceeded = "ReconciliationSucceeded"
    public static let reasonFailed = "ReconciliationFailed"
    /// The resource the operator reads and writes the report through.
    public static let gvr = GroupVersionResource(group: group, version: version, resource: "fluxreports", kind: kind)
}
