import FluxReport
import KubeCore

/// Builds complete snapshots from the real Flux manifests plus objects in the shapes controllers write.
enum SnapshotFactory {
    static let context = ReportContext(
        operatorVersion: "v0.1.0", operatorPlatform: "linux/amd64", now: 1_714_564_800, elapsed: .milliseconds(272))

    static let operatorCRDs: [FluxCRD] = ["FluxInstance", "ResourceSet", "ResourceSetInputProvider"].map { kind in
        FluxCRD(name: "\(kind.lowercased())s.fluxcd.controlplane.io", group: "fluxcd.controlplane.io", kind: kind,
                plural: "\(kind.lowercased())s", storedVersions: ["v1"],
                labels: ["app.kubernetes.io/name": "flux-operator"])
    }

    /// The objects of a small but realistic fleet, keyed by kind.
    static func fleet() -> [JSONValue] {
        var objects: [JSONValue] = [
            fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "flux-system",
                       spec: ["url": "ssh://git@github.com/org/fleet", "ref": ["branch": "main"]],
                       message: "stored artifact for revision 'main@sha1:5f3c'",
                       status: ["artifact": ["revision": "main@sha1:5f3c", "size": 3_879_731]]),
            fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "podinfo", namespace: "apps",
                       spec: ["url": "https://github.com/stefanprodan/podinfo", "ref": ["tag": "6.5.0"]],
                       status: ["artifact": ["revision": "6.5.0@sha1:aaa", "size": 38_590_464]]),
            fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "broken", namespace: "apps",
                       spec: ["url": "https://example.com/missing"], ready: "False", reason: "GitOperationFailed",
                       message: "failed to checkout and determine revision: authentication required"),
            fluxObject(kind: "OCIRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "manifests",
                       spec: ["url": "oci://ghcr.io/org/manifests", "ref": ["tag": "latest"], "suspend": true],
                       status: ["artifact": ["revision": "latest@sha256:9e1", "size": 1280]]),
            fluxObject(kind: "HelmRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "podinfo", namespace: "apps",
                       spec: ["url": "https://stefanprodan.github.io/podinfo"],
                       status: ["artifact": ["revision": "sha256:1d2", "size": 1_048_575]]),
            fluxObject(kind: "HelmChart", apiVersion: "source.toolkit.fluxcd.io/v1", name: "apps-podinfo", namespace: "apps",
                       spec: ["chart": "podinfo", "sourceRef": ["kind": "HelmRepository", "name": "podinfo"]],
                       status: ["artifact": ["revision": "6.5.4", "size": 14_868]]),
            fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "podinfo", namespace: "apps",
                       spec: ["chart": ["spec": ["chart": "podinfo", "sourceRef": ["kind": "HelmRepository", "name": "podinfo"]]]],
                       reason: "InstallSucceeded"),
            fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "redis", namespace: "apps",
                       ready: "False", reason: "DependencyNotReady", message: "dependency 'apps/podinfo' is not ready"),
            fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "grafana", namespace: "monitoring",
                       ready: "False", reason: "UpgradeFailed", message: "Helm upgrade failed: timed out waiting for the condition"),
            fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "flux-system",
                       spec: ["path": "./clusters/production", "sourceRef": ["kind": "GitRepository", "name": "flux-system"]],
                       reason: "ReconciliationSucceeded", message: "Applied revision: main@sha1:5f3c"),
            fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "apps",
                       spec: ["path": "./apps", "sourceRef": ["kind": "GitRepository", "name": "flux-system"], "suspend": true],
                       ready: "False", reason: "BuildFailed"),
            fluxObject(kind: "Provider", apiVersion: "notification.toolkit.fluxcd.io/v1beta3", name: "slack", ready: nil),
            fluxObject(kind: "Alert", apiVersion: "notification.toolkit.fluxcd.io/v1beta3", name: "slack", ready: nil),
            fluxObject(kind: "FluxInstance", apiVersion: "fluxcd.controlplane.io/v1", name: "flux",
                       spec: ["distribution": ["version": "2.x", "registry": "ghcr.io/fluxcd"], "sync": ["name": "flux-system"]]),
        ]
        objects.append(fluxObject(kind: "ResourceSet", apiVersion: "fluxcd.controlplane.io/v1", name: "tenants",
                                  annotations: [ReportAnnotations.reconcile: "disabled"]))
        return objects
    }

    static func kindStats(crds: [FluxCRD], objects: [JSONValue]) -> [String: PartResult<KindStats>] {
        var out: [String: PartResult<KindStats>] = [:]
        for crd in crds where crd.isReported {
            let projected = objects.filter { $0.kind == crd.kind }.map { FluxObject(json: $0, kind: crd.kind) }
            out[crd.groupKind] = .success(KindStats(objects: projected))
        }
        return out
    }

    /// A complete snapshot of a cluster running the given Flux version.
    static func snapshot(
        version: String, bootstrap: Bool = true, withOperator: Bool = true, objects: [JSONValue]? = nil
    ) throws -> ReportSnapshot {
        let objects = objects ?? fleet()
        var crds = try Fixtures.crds(version: version, bootstrap: bootstrap).compactMap(FluxCRD.init(json:))
        if withOperator { crds += operatorCRDs }
        let source = crds.first { $0.name == FluxKinds.distributionCRD }
        let instances = withOperator
            ? objects.filter { $0.kind == "FluxInstance" }.map(FluxInstanceInfo.init(json:)) : []
        let syncName = ClusterSync.kustomizationName(namespace: "flux-system", instances: instances)
        let kustomization = objects.first { $0.kind == "Kustomization" && $0.name == syncName && $0.namespace == "flux-system" }
            .map(SyncKustomization.init(json:))
        var syncSource: Lookup<SyncSource> = .notFound
        if let ref = kustomization?.sourceRef,
           let json = objects.first(where: { $0.kind == ref.kind && $0.name == ref.name && $0.namespace == ref.namespace }) {
            syncSource = .found(SyncSource(json: json, kind: ref.kind))
        }
        return ReportSnapshot(
            namespace: "flux-system", crds: .success(crds), kindStats: kindStats(crds: crds, objects: objects),
            sourceCRD: source.map { .found($0) } ?? .notFound, entitlement: .notFound,
            serverVersion: .success(ServerVersionInfo(gitVersion: "v1.32.2", platform: "linux/amd64")),
            nodeCount: .success(3),
            deployments: .success(try Fixtures.deployments(version: version).map(DeploymentInfo.init(json:))),
            fluxInstances: .success(instances),
            syncKustomization: kustomization.map { .found($0) } ?? .notFound, syncSource: syncSource)
    }
}
