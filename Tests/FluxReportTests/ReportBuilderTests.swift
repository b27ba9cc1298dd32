import FluxReport
import KubeCore
import Testing

@Suite struct ReportBuilderTests {
    let context = SnapshotFactory.context

    func build(_ s: ReportSnapshot, previous: FluxReportSpec? = nil, previousStatus: FluxReportStatus? = nil) -> ReportResult {
        ReportBuilder.build(snapshot: s, previous: previous, previousStatus: previousStatus, context: context)
    }

    // MARK: distribution

    @Test func distributionInstalledByBootstrap() throws {
        let r = build(try SnapshotFactory.snapshot(version: "v2.7.0", bootstrap: true))
        #expect(r.spec.distribution == FluxDistributionStatus(entitlement: "Unknown", status: "Installed", version: "v2.7.0", managedBy: "flux bootstrap"))
    }

    @Test func distributionManagedByLabelWins() throws {
        var s = try SnapshotFactory.snapshot(version: "v2.3.0", bootstrap: true)
        guard case .found(var crd) = s.sourceCRD else { Issue.record("no source CRD"); return }
        crd.labels[FluxKinds.managedByLabel] = "flux-operator"
        s.sourceCRD = .found(crd)
        #expect(build(s).spec.distribution.managedBy == "flux-operator")
        crd.labels = [FluxKinds.versionLabel: "v2.3.0"]
        s.sourceCRD = .found(crd)
        let plain = build(s).spec.distribution
        #expect(plain.managedBy == nil)
        #expect(plain.version == "v2.3.0")
    }

    @Test func distributionNotInstalledAndUnknown() {
        var s = ReportSnapshot(namespace: "flux-system", serverVersion: .success(ServerVersionInfo(gitVersion: "v1.30.0", platform: "linux/arm64")))
        let none = build(s)
        #expect(none.spec.distribution == FluxDistributionStatus(entitlement: "Unknown", status: "Not Installed"))
        #expect(none.succeeded)
        s.sourceCRD = .failed(PartError("Get \"https://10.0.0.1/apis\": context deadline exceeded"))
        let failed = build(s)
        #expect(failed.spec.distribution.status == "Unknown")
        #expect(failed.failures.map(\.part) == ["distribution"])
        // With a previous good report the last known distribution is kept.
        let previous = FluxReportSpec(distribution: FluxDistributionStatus(entitlement: "Issued", status: "Installed", version: "v2.6.0"))
        let kept = build(s, previous: previous)
        #expect(kept.spec.distribution.status == "Installed")
        #expect(kept.spec.distribution.version == "v2.6.0")
        #expect(kept.spec.distribution.entitlement == "Unknown")  // the Secret read itself succeeded (absent)
    }

    @Test(arguments: [
        (Lookup<EntitlementSecret>.notFound, "Unknown"),
        (.found(EntitlementSecret(hasToken: false, vendor: "acme")), "Unknown"),
        (.found(EntitlementSecret(hasToken: true)), "Issued"),
        (.found(EntitlementSecret(hasToken: true, vendor: "")), "Issued"),
        (.found(EntitlementSecret(hasToken: true, vendor: "controlplane")), "Issued by controlplane"),
    ])
    func entitlement(lookup: Lookup<EntitlementSecret>, expected: String) {
        let s = ReportSnapshot(namespace: "flux-system", entitlement: lookup, serverVersion: .success(ServerVersionInfo(gitVersion: "v1", platform: "p")))
        #expect(build(s).spec.distribution.entitlement == expected)
    }

    @Test func entitlementSecretFromJSON() {
        let secret: JSONValue = ["kind": "Secret", "data": ["token": "ZXlK", "vendor": "Y29udHJvbHBsYW5l"]]
        #expect(EntitlementSecret(json: secret) == EntitlementSecret(hasToken: true, vendor: "controlplane"))
        #expect(EntitlementSecret(json: ["data": ["vendor": "!!"]]) == EntitlementSecret(hasToken: false, vendor: "!!"))
        #expect(EntitlementSecret(json: ["data": "nope"]) == EntitlementSecret(hasToken: false))
    }

    @Test func entitlementReadFailureKeepsPrevious() {
        let s = ReportSnapshot(namespace: "flux-system", entitlement: .failed(PartError("secrets \"flux-operator-entitlement\" is forbidden")),
                               serverVersion: .success(ServerVersionInfo(gitVersion: "v1", platform: "p")))
        let previous = FluxReportSpec(distribution: FluxDistributionStatus(entitlement: "Issued by acme", status: "Not Installed"))
        let r = build(s, previous: previous)
        #expect(r.spec.distribution.entitlement == "Issued by acme")
        #expect(r.failures.map(\.part) == ["entitlement"])
        #expect(r.ready?.message.contains("forbidden") == true)
    }

    // MARK: cluster and operator

    @Test func clusterAndOperator() throws {
        var s = try SnapshotFactory.snapshot(version: "v2.7.0")
        let r = build(s)
        #expect(r.spec.cluster == ClusterInfo(serverVersion: "v1.32.2", platform: "linux/amd64", nodes: 3))
        #expect(r.spec.operator == OperatorInfo(apiVersion: "fluxcd.controlplane.io/v1", version: "v0.1.0", platform: "linux/amd64"))
        s.nodeCount = .success(0)
        #expect(build(s).spec.cluster?.nodes == nil)
        s.nodeCount = .failure(PartError("nodes is forbidden"))
        let kept = build(s, previous: r.spec)
        #expect(kept.spec.cluster?.nodes == 3)
        #expect(kept.failures.map(\.part) == ["nodes"])
        s.nodeCount = .success(5)
        s.serverVersion = .failure(PartError("connection refused"))
        let keptCluster = build(s, previous: r.spec)
        #expect(keptCluster.spec.cluster == ClusterInfo(serverVersion: "v1.32.2", platform: "linux/amd64", nodes: 5))
        #expect(build(s).spec.cluster == nil)
    }

    // MARK: components

    @Test func componentsSortedWithKStatus() throws {
        var s = try SnapshotFactory.snapshot(version: "v2.3.0")
        guard case .success(var deployments) = s.deployments else { Issue.record("no deployments"); return }
        deployments.reverse()
        if let i = deployments.firstIndex(where: { $0.name == "helm-controller" }) {
            deployments[i].readyReplicas = 0
        }
        s.deployments = .success(deployments)
        let components = build(s).spec.components
        #expect(components.map(\.name) == Fixtures.controllers)
        #expect(components[0] == FluxComponentStatus(name: "helm-controller", ready: false, status: "InProgress Ready: 0/1", image: "fluxcd/helm-controller:v1.0.1"))
        #expect(components[1].ready)
        #expect(components[1].status == "Current Deployment is available. Replicas: 1")
    }

    @Test func componentsReadFailureKeepsPrevious() throws {
        var s = try SnapshotFactory.snapshot(version: "v2.7.0")
        let good = build(s)
        s.deployments = .failure(PartError("the server was unable to return a response in the time allotted"))
        let r = build(s, previous: good.spec)
        #expect(r.spec.components == good.spec.components)
        #expect(r.spec.components.count == 6)
        #expect(r.failures.map(\.part) == ["components"])
        #expect(r.ready?.status == "False")
        #expect(r.ready?.reason == "ReconciliationFailed")
    }

    // MARK: reconcilers

    @Test func reconcilersFromFixtures() throws {
        let r = build(try SnapshotFactory.snapshot(version: "v2.7.0"))
        let ids = r.spec.reconcilers.map { "\($0.apiVersion) \($0.kind)" }
        #expect(ids == [
            "fluxcd.controlplane.io/v1 FluxInstance", "fluxcd.controlplane.io/v1 ResourceSet",
            "fluxcd.controlplane.io/v1 ResourceSetInputProvider", "helm.toolkit.fluxcd.io/v2 HelmRelease",
            "image.toolkit.fluxcd.io/v1 ImagePolicy", "image.toolkit.fluxcd.io/v1 ImageRepository",
            "image.toolkit.fluxcd.io/v1 ImageUpdateAutomation", "kustomize.toolkit.fluxcd.io/v1 Kustomization",
            "notification.toolkit.fluxcd.io/v1 Receiver", "notification.toolkit.fluxcd.io/v1beta3 Alert",
            "notification.toolkit.fluxcd.io/v1beta3 Provider", "source.toolkit.fluxcd.io/v1 Bucket",
            "source.toolkit.fluxcd.io/v1 ExternalArtifact", "source.toolkit.fluxcd.io/v1 GitRepository",
            "source.toolkit.fluxcd.io/v1 HelmChart", "source.toolkit.fluxcd.io/v1 HelmRepository",
            "source.toolkit.fluxcd.io/v1 OCIRepository",
        ])
        func stats(_ kind: String) -> FluxReconcilerStats? { r.spec.reconcilers.first { $0.kind == kind }?.stats }
        #expect(stats("GitRepository") == FluxReconcilerStats(running: 3, failing: 1, suspended: 0, totalSize: "40.5 MiB"))
        #expect(stats("OCIRepository") == FluxReconcilerStats(running: 0, failing: 0, suspended: 1, totalSize: "1.2 KiB"))
        #expect(stats("HelmRepository") == FluxReconcilerStats(running: 1, failing: 0, suspended: 0, totalSize: "1024.0 KiB"))
        #expect(stats("HelmChart") == FluxReconcilerStats(running: 1, failing: 0, suspended: 0, totalSize: "14.5 KiB"))
        #expect(stats("HelmRelease") == FluxReconcilerStats(running: 3, failing: 1, suspended: 0))
        #expect(stats("Kustomization") == FluxReconcilerStats(running: 1, failing: 0, suspended: 1))
        #expect(stats("ResourceSet") == FluxReconcilerStats(running: 0, failing: 0, suspended: 1))
        #expect(stats("Bucket") == FluxReconcilerStats(running: 0, failing: 0, suspended: 0))
    }

    @Test func reconcilerVersionIsLastStoredVersion() {
        let crd = FluxCRD(name: "kustomizations.kustomize.toolkit.fluxcd.io", group: "kustomize.toolkit.fluxcd.io", kind: "Kustomization",
                          plural: "kustomizations", storedVersions: ["v1beta2", "v1"], labels: ["app.kubernetes.io/part-of": "flux"])
        let other = FluxCRD(name: "widgets.example.com", group: "example.com", kind: "Widget", plural: "widgets", storedVersions: ["v1"])
        let s = ReportSnapshot(namespace: "flux-system", crds: .success([crd, other]),
                               kindStats: [crd.groupKind: .success(KindStats(total: 2))],
                               serverVersion: .success(ServerVersionInfo(gitVersion: "v1", platform: "p")))
        let r = build(s)
        #expect(r.spec.reconcilers == [FluxReconcilerStatus(apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization",
                                                            stats: FluxReconcilerStats(running: 2, failing: 0, suspended: 0))])
    }

    @Test func crdWithoutStoredVersions() throws {
        var json = try Fixtures.crds(version: "v2.7.0").first { $0.name == "buckets.source.toolkit.fluxcd.io" } ?? [:]
        json["status"] = [:]
        let fromStorage = FluxCRD(json: json)
        #expect(fromStorage?.version == "v1")  // falls back to the storage version
        var bare = json
        bare["spec"]["versions"] = []
        let crd = try #require(FluxCRD(json: bare))
        #expect(crd.version == nil)
        #expect(crd.resource == nil)
        let s = ReportSnapshot(namespace: "flux-system", crds: .success([crd]), serverVersion: .success(ServerVersionInfo(gitVersion: "v1", platform: "p")))
        let r = build(s)
        #expect(r.spec.reconcilers.isEmpty)
        #expect(r.succeeded)
        #expect(FluxCRD(json: ["spec": ["group": "x"]]) == nil)
    }

    @Test func reconcilerReadFailuresKeepLastValues() throws {
        var s = try SnapshotFactory.snapshot(version: "v2.7.0")
        let good = build(s)
        let key = "HelmRelease.helm.toolkit.fluxcd.io"
        s.kindStats[key] = .failure(PartError("helmreleases.helm.toolkit.fluxcd.io is forbidden"))
        s.kindStats["Bucket.source.toolkit.fluxcd.io"] = nil
        let r = build(s, previous: good.spec)
        #expect(r.spec.reconcilers == good.spec.reconcilers)
        #expect(Set(r.failures.map(\.part)) == ["reconcilers/\(key)", "reconcilers/Bucket.source.toolkit.fluxcd.io"])
        #expect(r.ready?.message.contains("forbidden") == true)
        // Without a previous report the kind is left out rather than reported as zero.
        let fresh = build(s)
        #expect(!fresh.spec.reconcilers.contains { $0.kind == "HelmRelease" })
        s.crds = .failure(PartError("customresourcedefinitions.apiextensions.k8s.io is forbidden"))
        let all = build(s, previous: good.spec)
        #expect(all.spec.reconcilers == good.spec.reconcilers)
        #expect(all.failures.map(\.part).contains("reconcilers"))
    }

    // MARK: sync

    @Test func syncFromFluxInstance() throws {
        let r = build(try SnapshotFactory.snapshot(version: "v2.7.0"))
        #expect(r.spec.sync == FluxSyncStatus(id: "kustomization/flux-system", path: "./clusters/production", ready: true,
                                              status: "Applied revision: main@sha1:5f3c", source: "ssh://git@github.com/org/fleet"))
    }

    @Test func syncName() {
        #expect(ClusterSync.kustomizationName(namespace: "flux-system", instances: []) == "flux-system")
        #expect(ClusterSync.kustomizationName(namespace: "flux-system", instances: [FluxInstanceInfo(name: "flux")]) == "flux-system")
        #expect(ClusterSync.kustomizationName(namespace: "ns", instances: [FluxInstanceInfo(name: "b", syncName: "b-sync"),
                                                                      FluxInstanceInfo(name: "a", syncName: "a-sync")]) == "a-sync")
        #expect(FluxInstanceInfo(json: ["metadata": ["name": "flux"], "spec": ["sync": ["name": ""]]]).syncName == nil)
    }

    func syncSnapshot(_ k: SyncKustomization?, _ source: Lookup<SyncSource>) -> ReportSnapshot {
        ReportSnapshot(namespace: "flux-system", serverVersion: .success(ServerVersionInfo(gitVersion: "v1", platform: "p")),
                       syncKustomization: k.map { .found($0) } ?? .notFound, syncSource: source)
    }

    static let gitRef = SyncKustomization.SourceRef(kind: "GitRepository", name: "fleet", namespace: "flux-system")

    @Test func syncRules() {
        let ready = Condition(type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "Applied revision: main@sha1:1")
        let k = SyncKustomization(name: "flux-system", namespace: "flux-system", path: "./clusters/dev", ready: ready, sourceRef: Self.gitRef)
        let failingSource = SyncSource(url: "https://github.com/org/fleet",
                                       ready: Condition(type: "Ready", status: "False", reason: "GitOperationFailed", message: "authentication required"))
        let s1 = build(syncSnapshot(k, .found(failingSource))).spec.sync
        #expect(s1 == FluxSyncStatus(id: "kustomization/flux-system", path: "./clusters/dev", ready: false,
                                     status: "Applied revision: main@sha1:1\nauthentication required", source: "https://github.com/org/fleet"))

        var suspended = k
        suspended.suspended = true
        suspended.ready = nil
        let s2 = build(syncSnapshot(suspended, .found(SyncSource(url: "https://x")))).spec.sync
        #expect(s2?.status == "Suspended not initialized")
        #expect(s2?.ready == true)

        var failing = k
        failing.ready = Condition(type: "Ready", status: "False", reason: "BuildFailed", message: "kustomization path not found")
        failing.path = ""
        let s3 = build(syncSnapshot(failing, .found(SyncSource(url: "https://x")))).spec.sync
        #expect(s3?.ready == false)
        #expect(s3?.path == nil)
        #expect(s3?.status == "kustomization path not found")

        var unknown = k
        unknown.ready = Condition(type: "Ready", status: "Unknown", reason: "Progressing", message: "Reconciliation in progress")
        #expect(build(syncSnapshot(unknown, .found(SyncSource(url: "https://x")))).spec.sync?.ready == true)

        let missingSource = build(syncSnapshot(k, .notFound)).spec.sync
        #expect(missingSource?.ready == false)
        #expect(missingSource?.source == nil)
        #expect(missingSource?.status == "Applied revision: main@sha1:1\nGitRepository flux-system/fleet not found")

        #expect(build(syncSnapshot(nil, .notFound)).spec.sync == nil)
    }

    @Test func syncSourceKinds() {
        let bucket: JSONValue = ["spec": ["endpoint": "minio.minio:9000", "bucketName": "fleet"]]
        #expect(SyncSource(json: bucket, kind: "Bucket").url == "minio.minio:9000/fleet")
        let oci: JSONValue = ["spec": ["url": "oci://ghcr.io/org/fleet"]]
        #expect(SyncSource(json: oci, kind: "OCIRepository").url == "oci://ghcr.io/org/fleet")
        let k = SyncKustomization(json: ["metadata": ["name": "flux-system", "namespace": "flux-system"],
                                         "spec": ["sourceRef": ["kind": "OCIRepository", "name": "fleet", "namespace": "sources"]]])
        #expect(k.sourceRef == SyncKustomization.SourceRef(kind: "OCIRepository", name: "fleet", namespace: "sources"))
        let defaulted = SyncKustomization(json: ["metadata": ["name": "x", "namespace": "flux-system"],
                                                 "spec": ["sourceRef": ["kind": "Bucket", "name": "b"]]])
        #expect(defaulted.sourceRef?.namespace == "flux-system")
        // The sync events' subject: apiVersion, uid, and the revision last attempted, else applied.
        let read = SyncKustomization(json: ["apiVersion": "kustomize.toolkit.fluxcd.io/v1",
                                            "metadata": ["name": "flux-system", "namespace": "flux-system", "uid": "u-1"],
                                            "status": ["lastAppliedRevision": "main@sha1:1", "lastAttemptedRevision": "main@sha1:2"]])
        #expect((read.apiVersion, read.uid, read.revision) == ("kustomize.toolkit.fluxcd.io/v1", "u-1", "main@sha1:2"))
        let applied = SyncKustomization(json: ["metadata": ["name": "x"], "status": ["lastAppliedRevision": "main@sha1:1", "lastAttemptedRevision": ""]])
        #expect(applied.revision == "main@sha1:1")
        #expect(SyncKustomization(json: ["metadata": ["name": "x"]]).revision == "")
    }

    @Test func syncReadFailuresKeepPrevious() {
        let previous = FluxReportSpec(distribution: FluxDistributionStatus(entitlement: "Unknown", status: "Installed"),
                                      sync: FluxSyncStatus(id: "kustomization/flux-system", ready: true, status: "Applied"))
        let k = SyncKustomization(name: "flux-system", namespace: "flux-system", sourceRef: Self.gitRef)
        for snapshot in [
            syncSnapshot(k, .failed(PartError("timeout"))),
            ReportSnapshot(namespace: "flux-system", serverVersion: .success(ServerVersionInfo(gitVersion: "v1", platform: "p")),
                           syncKustomization: .failed(PartError("timeout"))),
            ReportSnapshot(namespace: "flux-system", serverVersion: .success(ServerVersionInfo(gitVersion: "v1", platform: "p")),
                           fluxInstances: .failure(PartError("timeout"))),
        ] {
            let r = build(snapshot, previous: previous)
            #expect(r.spec.sync == previous.sync)
            #expect(r.failures == [PartFailure(part: "sync", error: "timeout")])
        }
    }

    // MARK: status

    @Test func readyConditionAndTransitionTime() throws {
        let s = try SnapshotFactory.snapshot(version: "v2.7.0")
        let r = build(s)
        #expect(r.status.conditions == [Condition(type: "Ready", status: "True", reason: "ReconciliationSucceeded",
                                                  message: "Reporting finished in 272ms", lastTransitionTime: "2024-05-01T12:00:00Z")])
        // Same condition later: the transition time stays.
        var later = context
        later.now += 300
        let same = ReportBuilder.build(snapshot: s, previous: r.spec, previousStatus: r.status, context: later)
        #expect(same.ready?.lastTransitionTime == "2024-05-01T12:00:00Z")
        later.elapsed = .seconds(3)
        let changed = ReportBuilder.build(snapshot: s, previous: r.spec, previousStatus: r.status, context: later)
        #expect(changed.ready?.message == "Reporting finished in 3s")
        #expect(changed.ready?.lastTransitionTime == "2024-05-01T12:05:00Z")
    }

    @Test func lastHandledReconcileAt() throws {
        let s = try SnapshotFactory.snapshot(version: "v2.7.0")
        var ctx = context
        ctx.handledRequest = "1714564800"
        let handled = ReportBuilder.build(snapshot: s, context: ctx)
        #expect(handled.status.lastHandledReconcileAt == "1714564800")
        let next = build(s, previousStatus: handled.status)
        #expect(next.status.lastHandledReconcileAt == "1714564800")
    }

    @Test func severalFailuresAreNamedInTheMessage() throws {
        var s = try SnapshotFactory.snapshot(version: "v2.7.0")
        s.deployments = .failure(PartError("deployments.apps is forbidden"))
        s.serverVersion = .failure(PartError("Get \"https://kubernetes/version\": EOF"))
        let r = build(s)
        #expect(r.failures.map(\.part) == ["cluster", "components"])
        let message = r.ready?.message ?? ""
        #expect(message.contains("cluster: Get \"https://kubernetes/version\": EOF"))
        #expect(message.contains("components: deployments.apps is forbidden"))
        #expect(r.ready?.reason == "ReconciliationFailed")
    }

    @Test func largeFleetIsCountedExactly() {
        let crd = FluxCRD(name: "kustomizations.kustomize.toolkit.fluxcd.io", group: "kustomize.toolkit.fluxcd.io", kind: "Kustomization",
                          plural: "kustomizations", storedVersions: ["v1"], labels: ["app.kubernetes.io/part-of": "flux"])
        let objects = (0..<100_000).map { i in
            FluxObject(kind: "Kustomization", name: "k\(i)", ready: i % 10 == 0 ? .false : .true, reason: "BuildFailed",
                       suspended: i % 7 == 0, artifactSize: 1024)
        }
        let stats = KindStats(objects: objects)
        let s = ReportSnapshot(namespace: "flux-system", crds: .success([crd]), kindStats: [crd.groupKind: .success(stats)],
                               serverVersion: .success(ServerVersionInfo(gitVersion: "v1", platform: "p")))
        let r = build(s)
        #expect(r.spec.reconcilers.first?.stats.running == 85_714)
        #expect(r.spec.reconcilers.first?.stats.suspended == 14_286)
        #expect(r.spec.reconcilers.first?.stats.totalSize == "97.7 MiB")
        var removing = stats
        for o in objects.prefix(10) { removing.remove(o) }
        #expect(removing.total == 99_990)
        #expect(removing == KindStats(objects: objects.dropFirst(10)))
    }
}

@Suite struct DiscoveryTests {
    @Test func onlyLabelledCRDsAreReported() throws {
        // The raw v2.3.0 manifests: some CRDs carry part-of=flux, some do not.
        let raw = try Fixtures.documents(version: "v2.3.0").filter { $0.kind == "CustomResourceDefinition" }
            .compactMap(FluxCRD.init(json:))
        #expect(raw.count == 13)
        let reported = raw.filter(\.isReported).map(\.kind).sorted()
        #expect(reported == ["Alert", "Bucket", "HelmRelease", "ImagePolicy", "ImageUpdateAutomation", "Kustomization"])
        // The Flux Operator's kinds are reported without the label, other fluxcd.controlplane.io kinds are not.
        let instance = FluxCRD(name: "fluxinstances.fluxcd.controlplane.io", group: "fluxcd.controlplane.io", kind: "FluxInstance",
                               plural: "fluxinstances", storedVersions: ["v1"])
        let report = FluxCRD(name: "fluxreports.fluxcd.controlplane.io", group: "fluxcd.controlplane.io", kind: "FluxReport",
                             plural: "fluxreports", storedVersions: ["v1"])
        #expect(instance.isReported)
        #expect(!report.isReported)
        // Not even when an installer labels it part-of=flux: a FluxReport is not a reconciler.
        var labelledReport = report
        labelledReport.labels = [FluxKinds.partOfLabel: "flux"]
        #expect(!labelledReport.isReported)
        #expect(instance.resource?.collectionPath(namespace: nil) == "/apis/fluxcd.controlplane.io/v1/fluxinstances")
    }

    @Test func installedCRDsAreAllReported() throws {
        let crds = try Fixtures.crds(version: "v2.3.0").compactMap(FluxCRD.init(json:))
        #expect(crds.allSatisfy { $0.isReported })
        let git = try #require(crds.first { $0.name == FluxKinds.distributionCRD })
        #expect(git.storedVersions == ["v1beta2", "v1"])
        #expect(git.apiVersion == "source.toolkit.fluxcd.io/v1")
    }
}
