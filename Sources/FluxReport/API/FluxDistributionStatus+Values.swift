/// The values `spec.distribution` takes (docs/report.md, Fields).
extension FluxDistributionStatus {
    public static let installed = "Installed"
    public static let notInstalled = "Not Installed"
    public static let unknown = "Unknown"
}
