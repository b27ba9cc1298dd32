/// A whole FluxReport object as the operator reads and writes it.
public struct FluxReportObject: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var spec: FluxReportSpec
    public var status: FluxReportStatus
    public var annotations: [String: String]

    public init(
        name: String = FluxReportAPI.reportName, namespace: String, spec: FluxReportSpec,
        status: FluxReportStatus = FluxReportStatus(), annotations: [String: String] = [:]
    ) {
        self.name = name
        self.namespace = namespace
        self.spec = spec
        self.status = status
        self.annotations = annotations
    }
}
