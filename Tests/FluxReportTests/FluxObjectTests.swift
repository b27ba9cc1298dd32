import FluxReport
import KubeCore
import TestSupport
import Testing

@Suite struct FluxObjectTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let object: JSONValue
        let url: String
        let ref: String
        let sourceName: String
        let path: String
        var testDescription: String { object.kind ?? "?" }
    }

    static let cases: [Case] = [
        Case(object: fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "podinfo",
                                spec: ["url": "https://github.com/stefanprodan/podinfo", "ref": ["branch": "master", "tag": "6.5.0"]]),
             url: "https://github.com/stefanprodan/podinfo", ref: "6.5.0", sourceName: "", path: ""),
        Case(object: fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "a",
                                spec: ["url": "ssh://git@x/y", "ref": ["name": "refs/pull/1/head", "semver": ">=1.0", "branch": "main"]]),
             url: "ssh://git@x/y", ref: "refs/pull/1/head", sourceName: "", path: ""),
        Case(object: fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "b",
                                spec: ["url": "https://x", "ref": ["semver": "1.x", "branch": "main"]]),
             url: "https://x", ref: "1.x", sourceName: "", path: ""),
        Case(object: fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "c",
                                spec: ["url": "https://x", "ref": ["branch": "main"]]),
             url: "https://x", ref: "main", sourceName: "", path: ""),
        Case(object: fluxObject(kind: "OCIRepository", apiVersion: "source.toolkit.fluxcd.io/v1beta2", name: "manifests",
                                spec: ["url": "oci://ghcr.io/org/manifests", "ref": ["tag": "latest", "semver": "~1.0"]]),
             url: "oci://ghcr.io/org/manifests", ref: "~1.0", sourceName: "", path: ""),
        Case(object: fluxObject(kind: "Bucket", apiVersion: "source.toolkit.fluxcd.io/v1", name: "minio",
                                spec: ["endpoint": "minio.minio:9000", "bucketName": "flux"]),
             url: "minio.minio:9000", ref: "flux", sourceName: "", path: ""),
        Case(object: fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "apps",
                                spec: ["path": "./apps/prod", "sourceRef": ["kind": "GitRepository", "name": "flux-system"]]),
             url: "", ref: "", sourceName: "flux-system", path: "./apps/prod"),
        Case(object: fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "podinfo",
                                spec: ["chart": ["spec": ["chart": "podinfo", "sourceRef": ["kind": "HelmRepository", "name": "podinfo"]]]]),
             url: "", ref: "", sourceName: "podinfo", path: ""),
        Case(object: fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "by-ref",
                                spec: ["chartRef": ["kind": "OCIRepository", "name": "podinfo-chart"]]),
             url: "", ref: "", sourceName: "podinfo-chart", path: ""),
        Case(object: fluxObject(kind: "HelmChart", apiVersion: "source.toolkit.fluxcd.io/v1", name: "flux-system-podinfo",
                                spec: ["chart": "podinfo", "sourceRef": ["kind": "HelmRepository", "name": "podinfo"]]),
             url: "", ref: "", sourceName: "podinfo", path: ""),
        Case(object: fluxObject(kind: "HelmRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "podinfo",
                                spec: ["url": "https://stefanprodan.github.io/podinfo"]),
             url: "https://stefanprodan.github.io/podinfo", ref: "", sourceName: "", path: ""),
        Case(object: fluxObject(kind: "Receiver", apiVersion: "notification.toolkit.fluxcd.io/v1", name: "github",
                                status: ["webhookPath": "/hook/abc123"]),
             url: "/hook/abc123", ref: "", sourceName: "", path: ""),
        Case(object: fluxObject(kind: "ImageRepository", apiVersion: "image.toolkit.fluxcd.io/v1beta2", name: "podinfo",
                                spec: ["image": "ghcr.io/stefanprodan/podinfo"]),
             url: "ghcr.io/stefanprodan/podinfo", ref: "", sourceName: "", path: ""),
        Case(object: fluxObject(kind: "ImagePolicy", apiVersion: "image.toolkit.fluxcd.io/v1beta2", name: "podinfo",
                                spec: ["imageRepositoryRef": ["name": "podinfo-repo"]]),
             url: "", ref: "", sourceName: "podinfo-repo", path: ""),
        Case(object: fluxObject(kind: "ImageUpdateAutomation", apiVersion: "image.toolkit.fluxcd.io/v1beta2", name: "auto",
                                spec: ["sourceRef": ["kind": "GitRepository", "name": "flux-system"]]),
             url: "", ref: "", sourceName: "flux-system", path: ""),
        Case(object: fluxObject(kind: "Provider", apiVersion: "notification.toolkit.fluxcd.io/v1beta3", name: "slack",
                                spec: ["type": "slack", "address": "https://hooks.slack.com/secret"], ready: nil),
             url: "", ref: "", sourceName: "", path: ""),
    ]

    @Test(arguments: cases)
    func perKindLabels(_ c: Case) {
        let kind = c.object.kind ?? ""
        let o = FluxObject(json: c.object, kind: kind)
        #expect(o.url == c.url)
        #expect(o.ref == c.ref)
        #expect(o.sourceName == c.sourceName)
        #expect(o.path == c.path)
        #expect(o.name == c.object.name)
        #expect(o.namespace == "flux-system")
        #expect(o.apiVersion == c.object.apiVersion)
    }

    @Test func revisionPrefersLastAttempted() {
        let both = fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "a",
                              status: ["lastAttemptedRevision": "main@sha1:bbb", "artifact": ["revision": "main@sha1:aaa"]])
        #expect(FluxObject(json: both, kind: "Kustomization").revision == "main@sha1:bbb")
        let emptyAttempt = fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "a",
                                      status: ["lastAttemptedRevision": "", "artifact": ["revision": "main@sha1:aaa", "size": 1280]])
        let o = FluxObject(json: emptyAttempt, kind: "GitRepository")
        #expect(o.revision == "main@sha1:aaa")
        #expect(o.artifactSize == 1280)
        let none = fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "a")
        #expect(FluxObject(json: none, kind: "GitRepository").revision == "")
    }

    @Test func readyAndFailing() {
        let failing = FluxObject(json: fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "a",
                                                  ready: "False", reason: "BuildFailed", message: "kustomize build failed"), kind: "Kustomization")
        #expect(failing.ready == .false)
        #expect(failing.isFailing)
        #expect(failing.message == "kustomize build failed")
        let dependency = FluxObject(json: fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "b",
                                                     ready: "False", reason: "DependencyNotReady"), kind: "Kustomization")
        #expect(!dependency.isFailing)
        let suspended = FluxObject(json: fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "c",
                                                    spec: ["suspend": true], ready: "False", reason: "BuildFailed"), kind: "Kustomization")
        #expect(suspended.suspended)
        #expect(!suspended.isFailing)
        let healthy = FluxObject(json: fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "d"), kind: "Kustomization")
        #expect(healthy.ready == .true)
        #expect(healthy.message == "")  // messages are kept only for failures
        #expect(!healthy.isFailing)
    }

    @Test func alwaysReadyKinds() {
        let provider = FluxObject(json: fluxObject(kind: "Provider", apiVersion: "notification.toolkit.fluxcd.io/v1beta3", name: "p", ready: nil), kind: "Provider")
        #expect(provider.ready == .unknown)
        #expect(provider.metricReady == .true)
        let alert = FluxObject(json: fluxObject(kind: "Alert", apiVersion: "notification.toolkit.fluxcd.io/v1beta3", name: "a", ready: nil), kind: "Alert")
        #expect(alert.metricReady == .true)
        let oci = FluxObject(json: fluxObject(kind: "HelmRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "o",
                                              spec: ["type": "oci", "url": "oci://ghcr.io/x"], ready: nil), kind: "HelmRepository")
        #expect(oci.metricReady == .true)
        let http = FluxObject(json: fluxObject(kind: "HelmRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "h",
                                               spec: ["url": "https://x"], ready: nil), kind: "HelmRepository")
        #expect(http.metricReady == .unknown)
    }

    @Test func operatorKinds() {
        let instance = fluxObject(
            kind: "FluxInstance", apiVersion: "fluxcd.controlplane.io/v1", name: "flux",
            spec: ["distribution": ["version": "2.x", "registry": "ghcr.io/fluxcd"], "suspend": true],
            status: ["lastAppliedRevision": "v2.7.0@sha256:75aa", "lastAttemptedRevision": "v2.7.1@sha256:ffff"],
            annotations: [ReportAnnotations.reconcile: "Disabled"])
        let o = FluxObject(json: instance, kind: "FluxInstance")
        #expect(o.registry == "ghcr.io/fluxcd")
        #expect(o.revision == "v2.7.0@sha256:75aa")
        #expect(o.suspended)  // from the annotation, not spec.suspend
        let enabled = FluxObject(json: fluxObject(kind: "ResourceSet", apiVersion: "fluxcd.controlplane.io/v1", name: "apps",
                                                  spec: ["suspend": true], status: ["inventory": ["entries": [["id": "a"], ["id": "b"]]]]),
                                 kind: "ResourceSet")
        #expect(!enabled.suspended)
        #expect(enabled.resources == 2)
    }

    @Test func badInputNeverCrashes() {
        let weird: JSONValue = [
            "metadata": ["name": 5, "labels": ["team": 3]],
            "spec": ["suspend": "yes", "url": ["nested": true], "ref": "main"],
            "status": ["conditions": "Ready", "artifact": ["size": "big", "revision": 7]],
        ]
        let o = FluxObject(json: weird, kind: "GitRepository", keepLabels: ["team"])
        #expect(o.name == "")
        #expect(!o.suspended)
        #expect(o.url == "")
        #expect(o.ref == "")
        #expect(o.artifactSize == 0)
        #expect(o.ready == .unknown)
        #expect(o.labelValues == [""])
        let negative = FluxObject(json: ["status": ["artifact": ["size": -5]]], kind: "Bucket")
        #expect(negative.artifactSize == 0)
        let noStatus = FluxObject(json: ["metadata": ["name": "x"]], kind: "Kustomization")
        #expect(noStatus.ready == .unknown)
        #expect(!noStatus.isFailing)
        let wrongConditions = FluxObject(json: ["status": ["conditions": [["type": "Ready", "status": true]]]], kind: "Bucket")
        #expect(wrongConditions.ready == .unknown)
    }
}

@Suite struct MetricLabelTests {
    @Test func resourceInfoOrderAndObjectLabels() {
        let selection = ObjectLabelSelection(keys: ["team", "app.kubernetes.io/name", "app_kubernetes_io/name", ""])
        #expect(selection.keys == ["team", "app.kubernetes.io/name"])
        #expect(selection.labelNames == ["label_team", "label_app_kubernetes_io_name"])
        let json = fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "apps", uid: "u1",
                              spec: ["path": "./apps", "sourceRef": ["kind": "GitRepository", "name": "flux-system"], "suspend": false],
                              ready: "False", reason: "HealthCheckFailed",
                              status: ["lastAttemptedRevision": "main@sha1:abc"], labels: ["team": "platform"])
        let o = FluxObject(json: json, kind: "Kustomization", keepLabels: selection.keys)
        let labels = MetricLabels.info(o, objectLabels: selection)
        #expect(labels.map(\.0) == FluxMetricFamily.resourceInfo.labelNames(objectLabels: selection))
        #expect(labels.map(\.0) == ["uid", "kind", "name", "exported_namespace", "ready", "reason", "suspended", "revision",
                                    "url", "ref", "source_name", "path", "label_team", "label_app_kubernetes_io_name"])
        #expect(labels.map(\.1) == ["u1", "Kustomization", "apps", "flux-system", "False", "HealthCheckFailed", "False",
                                    "main@sha1:abc", "", "", "flux-system", "./apps", "platform", ""])
    }

    @Test func operatorFamilies() {
        let instance = FluxObject(json: fluxObject(kind: "FluxInstance", apiVersion: "fluxcd.controlplane.io/v1", name: "flux", uid: "i1",
                                                   spec: ["distribution": ["registry": "ghcr.io/fluxcd"]],
                                                   status: ["lastAppliedRevision": "v2.7.0@sha256:1"]), kind: "FluxInstance")
        #expect(FluxMetricFamily(kind: "FluxInstance") == .instanceInfo)
        #expect(MetricLabels.info(instance).map(\.0) == FluxMetricFamily.instanceInfo.labelNames())
        #expect(MetricLabels.info(instance).map(\.1) == ["i1", "FluxInstance", "flux", "flux-system", "True", "Succeeded", "False",
                                                         "ghcr.io/fluxcd", "v2.7.0@sha256:1"])
        let set = FluxObject(json: fluxObject(kind: "ResourceSet", apiVersion: "fluxcd.controlplane.io/v1", name: "apps", uid: "r1",
                                              status: ["inventory": ["entries": [["id": "x"]]]]), kind: "ResourceSet")
        #expect(MetricLabels.info(set).map(\.0) == ["uid", "kind", "name", "exported_namespace", "ready", "reason", "suspended",
                                                    "resources", "revision"])
        #expect(MetricLabels.info(set).first { $0.0 == "resources" }?.1 == "1")
        let provider = FluxObject(json: fluxObject(kind: "ResourceSetInputProvider", apiVersion: "fluxcd.controlplane.io/v1",
                                                   name: "prs", spec: ["url": "https://github.com/org/repo"]), kind: "ResourceSetInputProvider")
        #expect(MetricLabels.info(provider).map(\.0) == FluxMetricFamily.resourceSetInputProviderInfo.labelNames())
        #expect(MetricLabels.info(provider).last?.1 == "https://github.com/org/repo")
    }

    @Test func sanitize() {
        #expect(MetricLabels.sanitize("app.kubernetes.io/name") == "app_kubernetes_io_name")
        #expect(MetricLabels.sanitize("team-a") == "team_a")
        #expect(MetricLabels.sanitize("ok_Name9") == "ok_Name9")
        #expect(MetricLabels.sanitize("ünï") == "_n_")
    }

    @Test func reconcileConditionSeries() {
        let o = FluxObject(json: fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "repo",
                                            ready: "False", reason: "GitOperationFailed"), kind: "GitRepository")
        let series = ReconcileConditionSeries.series(for: o)
        #expect(series.count == 4)
        #expect(series.allSatisfy { $0.labels.map(\.0) == ReconcileConditionSeries.labelNames })
        #expect(series.map { $0.labels[4].1 } == ["True", "False", "Unknown", "Deleted"])
        #expect(series.map(\.value) == [0, 1, 0, 0])
        #expect(series.allSatisfy { $0.labels[3].1 == "Ready" })
        let deleted = ReconcileConditionSeries.series(kind: "GitRepository", name: "repo", namespace: "flux-system", current: .deleted)
        #expect(deleted.map(\.value) == [0, 0, 0, 1])
        let suspend = MetricLabels.suspendStatus(o)
        #expect(suspend.labels.map(\.0) == ["kind", "name", "namespace"])
        #expect(suspend.value == 0)
    }
}

@Suite struct FluxObjectFootprintTests {
    /// Seconds are kept in 32 bits: every time from 1970 to 2106 and every interval up to 136 years
    /// reads back exactly; anything else is clamped, a time before 1970 to 0 (absent).
    @Test func secondsOutsideThirtyTwoBitsAreClamped() {
        var rng = TestRandom()
        for _ in 0..<2_000 {
            let edges: [Int64] = [Int64.min, -1, 0, 1, 1_700_000_000, Int64(UInt32.max), Int64(UInt32.max) + 1, Int64.max]
            let random = Int64(rng.int(0...Int(UInt32.max)))
            let seconds: Int64 = rng.chance(0.5) ? (rng.pick(edges) ?? 0) : random
            let expected = min(max(seconds, 0), Int64(UInt32.max))
            var object = FluxObject(kind: "Kustomization", name: "a", readySince: seconds, resources: Int(seconds))
            object.signals.interval = seconds
            object.signals.lastReconcile = seconds
            object.signals.created = seconds
            #expect(object.readySince == expected, "\(rng) \(seconds)")
            #expect(object.resources == Int(expected), "\(rng) \(seconds)")
            #expect(object.signals.interval == expected, "\(rng) \(seconds)")
            #expect(object.signals.lastReconcile == expected, "\(rng) \(seconds)")
            #expect(object.signals.created == expected, "\(rng) \(seconds)")
        }
    }

    @Test func projectionStaysSmall() {
        // Nine words (four of them shared references), the signals (25 bytes) and the uid (17) with
        // the small fields in their tails. Boxed in the cache with a 16-byte header: 136 bytes, one
        // 144-byte malloc chunk (8 bytes more inline would make it 160).
        #expect(MemoryLayout<FluxObject>.stride <= 120)
        #expect(MemoryLayout<SignalInputs>.size <= 25)
        let json = fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "apps",
                              spec: ["path": "./apps"], message: "a very long message that is dropped because the object is ready")
        let o = FluxObject(json: json, kind: "Kustomization")
        #expect(o.message.isEmpty)
        #expect(o.labelValues.isEmpty)
    }
}
