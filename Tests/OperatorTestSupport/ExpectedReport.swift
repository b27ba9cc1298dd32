import FluxReport
import FluxReportOperator
import KubeCore

/// The report the operator should write, computed independently: a `ReportSnapshot` filled by
/// plain LIST/GET calls (no caches) and the domain's `ReportBuilder`.
public enum ExpectedReport {
    public static func snapshot(api: any KubeAPI, namespace: String) async throws -> ReportSnapshot {
        var snapshot = ReportSnapshot(namespace: namespace)
        let allCRDs = try await api.listAll(.customResourceDefinitions, namespace: nil).items.compactMap(FluxCRD.init(json:))
        let reported = allCRDs.filter(\.isReported)
        snapshot.crds = .success(reported)
        snapshot.sourceCRD = allCRDs.first { $0.name == FluxKinds.distributionCRD }.map { .found($0) } ?? .notFound
        var stats: [String: PartResult<KindStats>] = [:]
        for crd in reported {
            guard let resource = crd.resource else { continue }
            let items = try await api.listAll(resource, namespace: nil).items
            stats[crd.groupKind] = .success(KindStats(objects: items.map { FluxObject(json: $0, kind: crd.kind) }))
        }
        snapshot.kindStats = stats
        if let secret = try await api.getIfExists(.secrets, namespace: namespace, name: FluxKinds.entitlementSecret) {
            snapshot.entitlement = .found(EntitlementSecret(json: secret))
        }
        let version = try await api.serverVersion()
        snapshot.serverVersion = .success(ServerVersionInfo(gitVersion: version.gitVersion, platform: version.platform))
        snapshot.nodeCount = .success(try await api.listAll(.nodes, namespace: nil).items.count)
        snapshot.deployments = .success(try await api.listAll(
            .deployments, namespace: namespace, options: ListOptions(labelSelector: FluxKinds.partOfSelector)
        ).items.map(DeploymentInfo.init(json:)))
        var instances: [FluxInstanceInfo] = []
        if let crd = reported.first(where: { $0.kind == "FluxInstance" }), let resource = crd.resource {
            instances = try await api.listAll(resource, namespace: namespace).items.map(FluxInstanceInfo.init(json:))
        }
        snapshot.fluxInstances = .success(instances)
        let syncName = ClusterSync.kustomizationName(namespace: namespace, instances: instances)
        if let kustomizations = reported.first(where: { $0.kind == "Kustomization" && $0.group == "kustomize.toolkit.fluxcd.io" })?.resource,
           let json = try await api.getIfExists(kustomizations, namespace: namespace, name: syncName) {
            let sync = SyncKustomization(json: json)
            snapshot.syncKustomization = .found(sync)
            if let ref = sync.sourceRef,
               let sources = reported.first(where: { $0.kind == ref.kind && $0.group == "source.toolkit.fluxcd.io" })?.resource,
               let source = try await api.getIfExists(sources, namespace: ref.namespace, name: ref.name) {
                snapshot.syncSource = .found(SyncSource(json: source, kind: ref.kind))
            }
        }
        return snapshot
    }

    public static func spec(api: any KubeAPI, namespace: String) async throws -> FluxReportSpec {
        let snapshot = try await snapshot(api: api, namespace: namespace)
        let context = ReportContext(operatorVersion: BuildInfo.version, operatorPlatform: BuildInfo.platform, now: 0)
        let result = ReportBuilder.build(snapshot: snapshot, context: context)
        return result.spec
    }

    /// A readable account of where two specs differ.
    public static func diff(got: FluxReportSpec?, want: FluxReportSpec?) -> String {
        guard let want else { return "no expected report computed" }
        guard let got else { return "no report written; expected:\n\(render(want))" }
        var lines: [String] = []
        if got.distribution != want.distribution { lines.append("distribution: got \(got.distribution), want \(want.distribution)") }
        if got.cluster != want.cluster { lines.append("cluster: got \(String(describing: got.cluster)), want \(String(describing: want.cluster))") }
        if got.operator != want.operator { lines.append("operator: got \(String(describing: got.operator)), want \(String(describing: want.operator))") }
        if got.components != want.components { lines.append("components: got \(got.components), want \(want.components)") }
        if got.sync != want.sync { lines.append("sync: got \(String(describing: got.sync)), want \(String(describing: want.sync))") }
        let gotKinds = Dictionary(got.reconcilers.map { ($0.apiVersion + " " + $0.kind, $0.stats) }) { a, _ in a }
        let wantKinds = Dictionary(want.reconcilers.map { ($0.apiVersion + " " + $0.kind, $0.stats) }) { a, _ in a }
        for key in Set(gotKinds.keys).union(wantKinds.keys).sorted() where gotKinds[key] != wantKinds[key] {
            lines.append("reconcilers[\(key)]: got \(gotKinds[key].map { "\($0)" } ?? "absent"), want \(wantKinds[key].map { "\($0)" } ?? "absent")")
        }
        if lines.isEmpty && got.reconcilers != want.reconcilers { lines.append("reconcilers: same entries, different order") }
        return lines.isEmpty ? "specs are equal" : lines.joined(separator: "\n")
    }

    private static func render(_ spec: FluxReportSpec) -> String {
        "\(spec)"
    }
}
