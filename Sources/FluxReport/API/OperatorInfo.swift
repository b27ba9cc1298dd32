// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

/// Operator is the version information of the operator that produced the report.
public struct OperatorInfo: Sendable, Equatable {
    /// APIVersion is the API version of the FluxReport.
    public var apiVersion: String
    /// Version is the version of the operator.
    public var version: String
    /// Platform is the os/arch of the operator process.
    public var platform: String

    public init(apiVersion: String = FluxReportAPI.apiVersion, version: String, platform: String) {
        self.apiVersion = apiVersion
        self.version = version
        self.platform = platform
    }
}
