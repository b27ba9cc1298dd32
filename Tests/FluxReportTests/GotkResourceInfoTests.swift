import FluxReport
import KubeCore
import Testing

/// `gotk_resource_info` labels per kind, as fluxcd/flux2-monitoring-example's kube-state-metrics
/// custom-resource-state config (monitoring/controllers/kube-prometheus-stack/kube-state-metrics-config.yaml)
/// produces them: label names and the object paths they come from.
@Suite struct GotkResourceInfoTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let object: JSONValue
        /// Every label of the series, in any order.
        let labels: [String: String]
        var testDescription: String { object.kind ?? "?" }
    }

    static func labels(_ object: JSONValue) -> [String: String]? {
        let projected = FluxObject(json: object, kind: object.kind ?? "", gotkResourceInfo: true)
        guard let own = projected.gotkInfo else { return nil }
        let pairs = GotkResourceInfo.labels(projected, own)
        return Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    static func common(_ group: String, _ kind: String, _ version: String, name: String, ready: String? = "True") -> [String: String] {
        var labels = ["customresource_group": group, "customresource_kind": kind, "customresource_version": version,
                      "exported_namespace": "flux-system", "name": name]
        if let ready { labels["ready"] = ready }
        return labels
    }

    static let cases: [Case] = [
        Case(object: fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "apps",
                                spec: ["suspend": false, "path": "./apps", "sourceRef": ["kind": "GitRepository", "name": "fleet"]],
                                ready: "False", status: ["lastAppliedRevision": "main@sha1:aaa", "lastAttemptedRevision": "main@sha1:bbb"]),
             labels: common("kustomize.toolkit.fluxcd.io", "Kustomization", "v1", name: "apps", ready: "False").merging(
                ["suspended": "false", "revision": "main@sha1:aaa", "source_name": "fleet"]) { $1 }),
        Case(object: fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "podinfo",
                                spec: ["suspend": true, "chart": ["spec": ["chart": "podinfo", "version": "6.x",
                                                                           "sourceRef": ["kind": "HelmRepository", "name": "podinfo-repo"]]]],
                                status: ["history": [["chartName": "podinfo", "chartVersion": "6.5.4", "appVersion": "6.5.4"],
                                                     ["chartName": "podinfo", "chartVersion": "6.5.3", "appVersion": "6.5.3"]]]),
             labels: common("helm.toolkit.fluxcd.io", "HelmRelease", "v2", name: "podinfo").merging(
                ["suspended": "true", "revision": "6.5.4", "chart_name": "podinfo", "chart_app_version": "6.5.4",
                 "chart_source_name": "podinfo-repo"]) { $1 }),
        Case(object: fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "by-ref",
                                spec: ["chartRef": ["kind": "OCIRepository", "name": "podinfo-oci"]],
                                status: ["history": [["chartName": "podinfo", "chartVersion": "6.7.0", "appVersion": "6.7.0"]]]),
             labels: common("helm.toolkit.fluxcd.io", "HelmRelease", "v2", name: "by-ref").merging(
                ["revision": "6.7.0", "chart_name": "podinfo", "chart_app_version": "6.7.0", "chart_ref_name": "podinfo-oci"]) { $1 }),
        // On the v2 API the config reads the history's latest release, whatever a leftover
        // lastAppliedRevision or the spec's chart (since renamed) say.
        Case(object: fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "renamed",
                                spec: ["chart": ["spec": ["chart": "podinfo", "sourceRef": ["kind": "HelmRepository", "name": "repo"]]]],
                                status: ["lastAppliedRevision": "6.0.0",
                                         "history": [["chartName": "podinfo-next", "chartVersion": "7.0.1", "appVersion": "7.0.1"]]]),
             labels: common("helm.toolkit.fluxcd.io", "HelmRelease", "v2", name: "renamed").merging(
                ["revision": "7.0.1", "chart_name": "podinfo-next", "chart_app_version": "7.0.1", "chart_source_name": "repo"]) { $1 }),
        // helm-controller's v2beta1 kept lastAppliedRevision, which the older config's revision read.
        Case(object: fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2beta1", name: "old",
                                spec: ["chart": ["spec": ["chart": "redis", "sourceRef": ["kind": "HelmRepository", "name": "bitnami"]]]],
                                ready: nil, status: ["lastAppliedRevision": "18.0.0"]),
             labels: common("helm.toolkit.fluxcd.io", "HelmRelease", "v2beta1", name: "old", ready: nil).merging(
                ["revision": "18.0.0", "chart_name": "redis", "chart_source_name": "bitnami"]) { $1 }),
        Case(object: fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "fleet",
                                spec: ["url": "ssh://git@github.com/org/fleet", "ref": ["branch": "main"]],
                                status: ["artifact": ["revision": "main@sha1:ccc"]]),
             labels: common("source.toolkit.fluxcd.io", "GitRepository", "v1", name: "fleet").merging(
                ["revision": "main@sha1:ccc", "url": "ssh://git@github.com/org/fleet"]) { $1 }),
        Case(object: fluxObject(kind: "OCIRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "manifests",
                                spec: ["url": "oci://ghcr.io/org/manifests"], ready: "Unknown",
                                status: ["artifact": ["revision": "latest@sha256:ddd"]]),
             labels: common("source.toolkit.fluxcd.io", "OCIRepository", "v1", name: "manifests", ready: "Unknown").merging(
                ["revision": "latest@sha256:ddd", "url": "oci://ghcr.io/org/manifests"]) { $1 }),
        Case(object: fluxObject(kind: "HelmRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "bitnami",
                                spec: ["url": "https://charts.bitnami.com/bitnami"], status: ["artifact": ["revision": "sha256:eee"]]),
             labels: common("source.toolkit.fluxcd.io", "HelmRepository", "v1", name: "bitnami").merging(
                ["revision": "sha256:eee", "url": "https://charts.bitnami.com/bitnami"]) { $1 }),
        Case(object: fluxObject(kind: "Bucket", apiVersion: "source.toolkit.fluxcd.io/v1", name: "minio",
                                spec: ["endpoint": "minio.minio:9000", "bucketName": "flux"], status: ["artifact": ["revision": "sha256:fff"]]),
             labels: common("source.toolkit.fluxcd.io", "Bucket", "v1", name: "minio").merging(
                ["revision": "sha256:fff", "endpoint": "minio.minio:9000", "bucket_name": "flux"]) { $1 }),
        Case(object: fluxObject(kind: "HelmChart", apiVersion: "source.toolkit.fluxcd.io/v1", name: "apps-podinfo",
                                spec: ["chart": "podinfo", "version": "6.x", "sourceRef": ["kind": "HelmRepository", "name": "podinfo"]],
                                status: ["artifact": ["revision": "6.5.4"]]),
             labels: common("source.toolkit.fluxcd.io", "HelmChart", "v1", name: "apps-podinfo").merging(
                ["revision": "6.5.4", "chart_name": "podinfo", "chart_version": "6.x"]) { $1 }),
        // v1beta3 Alerts and Providers have no status: no ready label at all (not "Unknown").
        Case(object: fluxObject(kind: "Alert", apiVersion: "notification.toolkit.fluxcd.io/v1beta3", name: "slack",
                                spec: ["providerRef": ["name": "slack"], "suspend": false], ready: nil),
             labels: common("notification.toolkit.fluxcd.io", "Alert", "v1beta3", name: "slack", ready: nil).merging(["suspended": "false"]) { $1 }),
        Case(object: fluxObject(kind: "Provider", apiVersion: "notification.toolkit.fluxcd.io/v1beta3", name: "slack",
                                spec: ["type": "slack", "address": "https://hooks.slack.com/services/secret"], ready: nil),
             labels: common("notification.toolkit.fluxcd.io", "Provider", "v1beta3", name: "slack", ready: nil)),
        Case(object: fluxObject(kind: "Receiver", apiVersion: "notification.toolkit.fluxcd.io/v1", name: "github",
                                spec: ["type": "github"], status: ["webhookPath": "/hook/abc123"]),
             labels: common("notification.toolkit.fluxcd.io", "Receiver", "v1", name: "github").merging(["webhook_path": "/hook/abc123"]) { $1 }),
        Case(object: fluxObject(kind: "ImageRepository", apiVersion: "image.toolkit.fluxcd.io/v1", name: "podinfo",
                                spec: ["image": "ghcr.io/stefanprodan/podinfo"]),
             labels: common("image.toolkit.fluxcd.io", "ImageRepository", "v1", name: "podinfo").merging(["image": "ghcr.io/stefanprodan/podinfo"]) { $1 }),
        Case(object: fluxObject(kind: "ImagePolicy", apiVersion: "image.toolkit.fluxcd.io/v1", name: "podinfo",
                                spec: ["imageRepositoryRef": ["name": "podinfo-images"]]),
             labels: common("image.toolkit.fluxcd.io", "ImagePolicy", "v1", name: "podinfo").merging(["source_name": "podinfo-images"]) { $1 }),
        Case(object: fluxObject(kind: "ImageUpdateAutomation", apiVersion: "image.toolkit.fluxcd.io/v1", name: "fleet",
                                spec: ["sourceRef": ["kind": "GitRepository", "name": "fleet"]]),
             labels: common("image.toolkit.fluxcd.io", "ImageUpdateAutomation", "v1", name: "fleet").merging(["source_name": "fleet"]) { $1 }),
    ]

    @Test("labels per kind", arguments: cases)
    func labelsPerKind(_ c: Case) {
        #expect(Self.labels(c.object) == c.labels)
    }

    @Test("every kind of the config is covered by a case, and no other kind gets a series")
    func coverage() {
        #expect(Set(Self.cases.compactMap(\.object.kind)) == GotkResourceInfo.kinds)
        for kind in ["FluxInstance", "ResourceSet", "ResourceSetInputProvider", "ExternalArtifact"] {
            let object = fluxObject(kind: kind, apiVersion: "fluxcd.controlplane.io/v1", name: "x")
            #expect(Self.labels(object) == nil, "\(kind)")
        }
    }

    @Test("off by default: the projection keeps nothing for it")
    func offByDefault() {
        let object = Self.cases[0].object
        #expect(FluxObject(json: object, kind: "Kustomization").gotkInfo == nil)
        #expect(FluxObject(json: object, kind: "Kustomization", gotkResourceInfo: true).gotkInfo != nil)
    }

    @Test("hostile values are bounded like the other labels")
    func bounded() {
        let url = "https://example.com/" + String(repeating: "a", count: 100_000)
        let object = fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "big", spec: ["url": .string(url)])
        let value = Self.labels(object)?["url"] ?? ""
        #expect(value.utf8.count <= FluxObject.maxFieldBytes)
        #expect(value.hasSuffix(FluxObject.truncationMarker))
    }

    /// The paths the mapping reads exist in the storage version's schema of the real Flux v2.7.0 CRDs
    /// (../shared/fixtures/flux), so the labels have values on a real cluster.
    @Test("every path read exists in the Flux v2.7.0 CRDs' storage versions")
    func pathsExistInTheCRDs() throws {
        let paths: [String: [[String]]] = [
            "Kustomization": [["status", "lastAppliedRevision"], ["spec", "sourceRef", "name"], ["spec", "suspend"]],
            "HelmRelease": [["spec", "chart", "spec", "chart"], ["spec", "chart", "spec", "sourceRef", "name"], ["spec", "chartRef", "name"],
                            ["status", "history", "chartVersion"], ["status", "history", "chartName"], ["status", "history", "appVersion"],
                            ["spec", "suspend"]],
            "GitRepository": [["status", "artifact", "revision"], ["spec", "url"], ["spec", "suspend"]],
            "OCIRepository": [["status", "artifact", "revision"], ["spec", "url"]],
            "HelmRepository": [["status", "artifact", "revision"], ["spec", "url"]],
            "Bucket": [["status", "artifact", "revision"], ["spec", "endpoint"], ["spec", "bucketName"]],
            "HelmChart": [["status", "artifact", "revision"], ["spec", "chart"], ["spec", "version"]],
            "Receiver": [["status", "webhookPath"]],
            "ImageRepository": [["spec", "image"]],
            "ImagePolicy": [["spec", "imageRepositoryRef", "name"]],
            "ImageUpdateAutomation": [["spec", "sourceRef", "name"]],
        ]
        let crds = try Fixtures.documents(version: "v2.7.0").filter { $0.kind == "CustomResourceDefinition" }
        for (kind, kindPaths) in paths {
            let crd = try #require(crds.first { $0[path: "spec", "names", "kind"].string == kind }, "\(kind)")
            let version = try #require(crd[path: "spec", "versions"].array?.first { $0["storage"].bool == true }, "\(kind)")
            for path in kindPaths {
                var node = version[path: "schema", "openAPIV3Schema"]
                for key in path {
                    if node["type"].string == "array" { node = node["items"] }
                    node = node["properties"][key]
                }
                #expect(node != .null, "\(kind) \(version["name"].string ?? "") has no \(path.joined(separator: "."))")
            }
        }
    }
}
