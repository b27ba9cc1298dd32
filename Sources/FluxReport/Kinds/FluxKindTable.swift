/// The Flux kinds the operator knows, one entry each with everything kind-specific
/// (docs/architecture.md, "Adding a Flux kind"). Kinds not listed (any other CRD labelled
/// `app.kubernetes.io/part-of=flux`) are read like `generic`.
public enum FluxKindTable {
    static let source = "source.toolkit.fluxcd.io"
    static let kustomize = "kustomize.toolkit.fluxcd.io"
    static let helm = "helm.toolkit.fluxcd.io"
    static let notification = "notification.toolkit.fluxcd.io"
    static let image = "image.toolkit.fluxcd.io"

    /// `gotk_resource_info`'s labels of the source kinds with a URL.
    static let sourceInfo: [GotkResourceInfo.Label] = [.init("revision", "status.artifact.revision"), .init("url", "spec.url")]

    public static let entries: [FluxKindInfo] = [
        FluxKindInfo("GitRepository", group: source, ref: ["spec.ref.name", "spec.ref.semver", "spec.ref.tag", "spec.ref.branch"],
                     gotkResourceInfo: sourceInfo),
        FluxKindInfo("OCIRepository", group: source, ref: ["spec.ref.semver", "spec.ref.tag"], gotkResourceInfo: sourceInfo),
        FluxKindInfo("HelmRepository", group: source, readiness: .alwaysWhen("spec.type", equals: "oci"), gotkResourceInfo: sourceInfo),
        FluxKindInfo("HelmChart", group: source, gotkResourceInfo: [
            .init("revision", "status.artifact.revision"), .init("chart_name", "spec.chart"), .init("chart_version", "spec.version"),
        ]),
        FluxKindInfo("Bucket", group: source, url: ["spec.endpoint"], ref: ["spec.bucketName"], syncURL: ["spec.endpoint", "spec.bucketName"],
                     gotkResourceInfo: [
                         .init("revision", "status.artifact.revision"), .init("endpoint", "spec.endpoint"),
                         .init("bucket_name", "spec.bucketName"),
                     ]),
        FluxKindInfo("ExternalArtifact", group: source),
        FluxKindInfo("Kustomization", group: kustomize, path: ["spec.path"], gotkResourceInfo: [
            .init("revision", "status.lastAppliedRevision"), .init("source_name", "spec.sourceRef.name"),
        ]),
        // The current kube-state-metrics config reads the v2 release history; objects of the older
        // APIs (no history) get what the older config read for them.
        FluxKindInfo("HelmRelease", group: helm, sourceName: ["spec.chart.spec.sourceRef.name", "spec.chartRef.name"],
                     sourceRef: ["spec.chart.spec.sourceRef", "spec.chartRef"], driftCondition: "Drifted", gotkResourceInfo: [
                         .init("revision", "status.history[0].chartVersion", "status.lastAppliedRevision"),
                         .init("chart_name", "status.history[0].chartName", "spec.chart.spec.chart"),
                         .init("chart_app_version", "status.history[0].appVersion"),
                         .init("chart_ref_name", "spec.chartRef.name"),
                         .init("chart_source_name", "spec.chart.spec.sourceRef.name"),
                     ]),
        // A Provider's address may embed credentials: no URL label for it.
        FluxKindInfo("Alert", group: notification, url: [], readiness: .always, gotkResourceInfo: []),
        FluxKindInfo("Provider", group: notification, url: [], readiness: .always, gotkResourceInfo: []),
        FluxKindInfo("Receiver", group: notification, url: ["status.webhookPath"], gotkResourceInfo: [.init("webhook_path", "status.webhookPath")]),
        FluxKindInfo("ImageRepository", group: image, url: ["spec.image"], gotkResourceInfo: [.init("image", "spec.image")]),
        FluxKindInfo("ImagePolicy", group: image, sourceName: ["spec.imageRepositoryRef.name"], sourceRef: ["spec.imageRepositoryRef"],
                     gotkResourceInfo: [.init("source_name", "spec.imageRepositoryRef.name")]),
        FluxKindInfo("ImageUpdateAutomation", group: image, gotkResourceInfo: [.init("source_name", "spec.sourceRef.name")]),
        FluxKindInfo("FluxInstance", group: FluxReportAPI.group, origin: .fluxOperator, registry: ["spec.distribution.registry"],
                     metricFamily: .instanceInfo),
        FluxKindInfo("ResourceSet", group: FluxReportAPI.group, origin: .fluxOperator, inventory: "status.inventory.entries",
                     metricFamily: .resourceSetInfo),
        FluxKindInfo("ResourceSetInputProvider", group: FluxReportAPI.group, origin: .fluxOperator,
                     metricFamily: .resourceSetInputProviderInfo),
    ]

    /// How a kind without an entry is read.
    public static let generic = FluxKindInfo("", group: "")

    static let byKind: [String: FluxKindInfo] = Dictionary(entries.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })

    /// The entry of a kind; nil when the table has none.
    public static func known(_ kind: String) -> FluxKindInfo? { byKind[kind] }

    /// The entry of a kind, `generic` when the table has none.
    public static func entry(_ kind: String) -> FluxKindInfo { byKind[kind] ?? generic }

    /// The kinds exported in another family than `flux_resource_info`, for the scrape path: a scan of
    /// these few is cheaper than hashing the kind of each of 100,000 objects.
    static let otherFamilies: [(kind: String, family: FluxMetricFamily)] =
        entries.filter { $0.metricFamily != .resourceInfo }.map { ($0.kind, $0.metricFamily) }
}
