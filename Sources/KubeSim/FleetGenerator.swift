import KubeCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `FleetGenerator` builds.
public struct FleetOptions: Sendable, Hashable {
    public var seed: UInt64 = 1
    /// Flux objects spread over every kind (beyond the flux-system sync pair).
    public var objects = 100
    /// Tenant namespaces the objects are spread over.
    public var namespaces = 10
    public var nodes = 3
    /// Directory with the Flux manifests (CRDs + controller Deployments), e.g. `fixtures/flux/v2.7.0`;
    /// nil synthesizes minimal CRDs and Deployments.
    public var fixturesDirectory: String?
    /// Value of the `app.kubernetes.io/version` label (defaults to the fixtures directory name, else v2.7.0).
    public var fluxVersion: String?
    /// How many controller Deployments report no available replica.
    public var notReadyControllers = 0
    /// Also FluxInstance, ResourceSet, ResourceSetInputProvider (+ CRDs) in `fluxcd.controlplane.io/v1`.
    public var fluxOperator = false
    /// Fractions of objects whose Ready condition is False / Unknown; the rest is True.
    public var failingFraction = 0.1
    public var progressingFraction = 0.05
    public var suspendedFraction = 0.03

    public init(seed: UInt64 = 1, objects: Int = 100) {
        self.seed = seed
        self.objects = objects
    }

    init(json: JSONValue) throws(APIError) {
        if let v = json["seed"].int { seed = UInt64(bitPattern: v) }
        if let v = json["objects"].int { objects = Int(v) }
        if let v = json["namespaces"].int { namespaces = Int(v) }
        if let v = json["nodes"].int { nodes = Int(v) }
        fixturesDirectory = json["fixturesDirectory"].string
        fluxVersion = json["fluxVersion"].string
        if let v = json["notReadyControllers"].int { notReadyControllers = Int(v) }
        if let v = json["fluxOperator"].bool { fluxOperator = v }
        if let v = json["failingFraction"].double { failingFraction = v }
        if let v = json["progressingFraction"].double { progressingFraction = v }
        if let v = json["suspendedFraction"].double { suspendedFraction = v }
        guard objects >= 0, namespaces >= 1, nodes >= 0 else {
            throw APIError.badRequest("fleet: objects and nodes must be >= 0 and namespaces >= 1")
        }
    }
}

/// Draws for the fleet generator from SplitMix64, so a seed always gives the same fleet.
struct SeededRandom {
    fileprivate var generator: SplitMix64
    init(state seed: UInt64) { generator = SplitMix64(seed: seed) }
    mutating func next() -> UInt64 { generator.next() }
    mutating func int(_ upper: Int) -> Int { upper <= 0 ? 0 : Int(next() % UInt64(upper)) }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(digits[int(16)]) }
        return out
    }
}

/// Builds a realistic, deterministic Flux installation as objects for `KubeSim.load(objects:)`.
public struct FleetGenerator {
    public let options: FleetOptions
    var rng: SeededRandom
    /// A fixed clock so the same seed gives the same timestamps.
    let baseTime = 1_760_000_000

    public init(_ options: FleetOptions) {
        self.options = options
        rng = SeededRandom(state: options.seed)
    }

    struct Kind {
        var kind: String
        var group: String
        var version: String
        var plural: String
        var weight: Int
        var controller: String
        var apiVersion: String { "\(group)/\(version)" }
    }

    static let fluxKinds: [Kind] = [
        Kind(kind: "GitRepository", group: "source.toolkit.fluxcd.io", version: "v1", plural: "gitrepositories", weight: 15, controller: "source-controller"),
        Kind(kind: "OCIRepository", group: "source.toolkit.fluxcd.io", version: "v1", plural: "ocirepositories", weight: 8, controller: "source-controller"),
        Kind(kind: "HelmRepository", group: "source.toolkit.fluxcd.io", version: "v1", plural: "helmrepositories", weight: 8, controller: "source-controller"),
        Kind(kind: "HelmChart", group: "source.toolkit.fluxcd.io", version: "v1", plural: "helmcharts", weight: 8, controller: "source-controller"),
        Kind(kind: "Bucket", group: "source.toolkit.fluxcd.io", version: "v1", plural: "buckets", weight: 2, controller: "source-controller"),
        Kind(kind: "Kustomization", group: "kustomize.toolkit.fluxcd.io", version: "v1", plural: "kustomizations", weight: 25, controller: "kustomize-controller"),
        Kind(kind: "HelmRelease", group: "helm.toolkit.fluxcd.io", version: "v2", plural: "helmreleases", weight: 20, controller: "helm-controller"),
        Kind(kind: "ImageRepository", group: "image.toolkit.fluxcd.io", version: "v1", plural: "imagerepositories", weight: 4, controller: "image-reflector-controller"),
        Kind(kind: "ImagePolicy", group: "image.toolkit.fluxcd.io", version: "v1", plural: "imagepolicies", weight: 4, controller: "image-reflector-controller"),
        Kind(kind: "ImageUpdateAutomation", group: "image.toolkit.fluxcd.io", version: "v1", plural: "imageupdateautomations", weight: 2, controller: "image-automation-controller"),
        Kind(kind: "Alert", group: "notification.toolkit.fluxcd.io", version: "v1beta3", plural: "alerts", weight: 2, controller: "notification-controller"),
        Kind(kind: "Provider", group: "notification.toolkit.fluxcd.io", version: "v1beta3", plural: "providers", weight: 1, controller: "notification-controller"),
        Kind(kind: "Receiver", group: "notification.toolkit.fluxcd.io", version: "v1", plural: "receivers", weight: 1, controller: "notification-controller"),
    ]

    static let operatorKinds: [Kind] = [
        Kind(kind: "ResourceSet", group: "fluxcd.controlplane.io", version: "v1", plural: "resourcesets", weight: 2, controller: "flux-operator"),
        Kind(kind: "ResourceSetInputProvider", group: "fluxcd.controlplane.io", version: "v1", plural: "resourcesetinputproviders", weight: 1, controller: "flux-operator"),
    ]

    static let controllers = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller",
                              "image-reflector-controller", "image-automation-controller"]

    var fluxVersion: String {
        if let v = options.fluxVersion { return v }
        if let dir = options.fixturesDirectory, let last = dir.split(separator: "/").last, last.hasPrefix("v") { return String(last) }
        return "v2.7.0"
    }

    var kinds: [Kind] { Self.fluxKinds + (options.fluxOperator ? Self.operatorKinds : []) }

    /// How many objects of each kind: proportional to the weights, remainder to the first kinds.
    func counts() -> [Int] {
        let total = kinds.reduce(0) { $0 + $1.weight }
        var counts = kinds.map { options.objects * $0.weight / total }
        var left = options.objects - counts.reduce(0, +)
        var i = 0
        while left > 0 { counts[i % counts.count] += 1; left -= 1; i += 1 }
        return counts
    }

    /// Every object of the fleet, CRDs first.
    public mutating func objects() throws -> [JSONValue] {
        var out: [JSONValue] = []
        try generate { out.append($0) }
        return out
    }

    /// Hands every object to `body` as it is made (CRDs first), so 100,000 objects never sit in memory at once.
    public mutating func generate(_ body: (JSONValue) throws -> Void) throws {
        var crds: [JSONValue] = []
        var rest: [JSONValue] = []
        for m in try installation() {
            if m.kind == "CustomResourceDefinition" { crds.append(m) } else { rest.append(m) }
        }
        if options.fluxOperator { crds += Self.operatorCRDs() }
        crds += Self.fluxReportCRD()
        for m in crds { try body(m) }
        for m in rest { try body(m) }
        if options.fluxOperator { try body(fluxInstance()) }
        for i in 0..<options.nodes { try body(node(i)) }
        for m in syncPair() { try body(m) }
        let counts = counts()
        for (k, kind) in kinds.enumerated() {
            let perNamespace = (0..<options.namespaces).map { ns in (counts[k] + options.namespaces - 1 - ns) / options.namespaces }
            for i in 0..<counts[k] {
                let ns = i % options.namespaces
                try body(object(kind, namespace: "tenant-\(ns)", index: i / options.namespaces, perNamespace: perNamespace[ns], counts: counts, nsIndex: ns))
            }
        }
    }

    // MARK: - Installation

    mutating func installation() throws -> [JSONValue] {
        var manifests: [JSONValue]
        if let dir = options.fixturesDirectory {
            let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted().filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            manifests = []
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
                manifests += try YAMLDocuments.parse(String(decoding: data, as: UTF8.self))
            }
        } else {
            manifests = Self.fluxKinds.map { Self.minimalCRD($0, component: $0.controller) }
            manifests += Self.controllers.map { name in
                ["apiVersion": "apps/v1", "kind": "Deployment",
                 "metadata": ["name": .string(name), "labels": ["app.kubernetes.io/component": .string(name), "app.kubernetes.io/part-of": "flux", "control-plane": "controller"]],
                 "spec": ["replicas": 1, "selector": ["matchLabels": ["app": .string(name)]],
                          "template": ["metadata": ["labels": ["app": .string(name)]],
                                       "spec": ["containers": [["name": "manager", "image": .string("ghcr.io/fluxcd/\(name):\(fluxVersion)")]]]]]]
            }
        }
        var out: [JSONValue] = [["apiVersion": "v1", "kind": "Namespace",
                                 "metadata": ["name": "flux-system", "labels": ["app.kubernetes.io/instance": "flux-system", "app.kubernetes.io/part-of": "flux", "app.kubernetes.io/version": .string(fluxVersion)]],
                                 "status": ["phase": "Active"]]]
        var deploymentIndex = 0
        for var m in manifests {
            m["metadata"]["labels"]["app.kubernetes.io/part-of"] = "flux"
            m["metadata"]["labels"]["app.kubernetes.io/version"] = .string(fluxVersion)
            m["metadata"]["labels"]["app.kubernetes.io/instance"] = "flux-system"
            if m.kind != "CustomResourceDefinition" && m.namespace == nil && m.kind != "Namespace" {
                m["metadata"]["namespace"] = "flux-system"
            }
            m["metadata"]["creationTimestamp"] = .string(time(-86_400 * 30))
            if m.kind == "Deployment" {
                m["status"] = deploymentStatus(ready: deploymentIndex >= options.notReadyControllers)
                m["metadata"]["generation"] = 1
                deploymentIndex += 1
            }
            out.append(m)
        }
        return out
    }

    func deploymentStatus(ready: Bool) -> JSONValue {
        let t = JSONValue.string(time(-86_400))
        if ready {
            return ["observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1,
                    "conditions": [
                        ["type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability.", "lastTransitionTime": t, "lastUpdateTime": t],
                        ["type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": "ReplicaSet has successfully progressed.", "lastTransitionTime": t, "lastUpdateTime": t],
                    ]]
        }
        return ["observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "unavailableReplicas": 1,
                "conditions": [
                    ["type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability.", "lastTransitionTime": t, "lastUpdateTime": t],
                    ["type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated", "message": "ReplicaSet is progressing.", "lastTransitionTime": t, "lastUpdateTime": t],
                ]]
    }

    static func minimalCRD(_ kind: Kind, component: String, partOf: String = "flux", status: Bool = true, scope: String = "Namespaced") -> JSONValue {
        var version: JSONValue = ["name": .string(kind.version), "served": true, "storage": true,
                                  "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]
        if status { version["subresources"] = ["status": [:]] }
        return ["apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": ["name": .string("\(kind.plural).\(kind.group)"), "labels": ["app.kubernetes.io/component": .string(component), "app.kubernetes.io/part-of": .string(partOf)]],
                "spec": ["group": .string(kind.group), "scope": .string(scope),
                         "names": ["kind": .string(kind.kind), "listKind": .string(kind.kind + "List"), "plural": .string(kind.plural), "singular": .string(kind.kind.lowercased())],
                         "versions": [version]]]
    }

    static func operatorCRDs() -> [JSONValue] {
        let instance = Kind(kind: "FluxInstance", group: "fluxcd.controlplane.io", version: "v1", plural: "fluxinstances", weight: 0, controller: "flux-operator")
        return ([instance] + operatorKinds).map { minimalCRD($0, component: "flux-operator", partOf: "flux-operator") }
    }

    static func fluxReportCRD() -> [JSONValue] {
        let report = Kind(kind: "FluxReport", group: "fluxcd.controlplane.io", version: "v1", plural: "fluxreports", weight: 0, controller: "flux-operator")
        return [minimalCRD(report, component: "flux-operator", partOf: "flux-operator")]
    }

    mutating func fluxInstance() -> JSONValue {
        let digest = "sha256:" + rng.hex(64)
        return ["apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxInstance",
                "metadata": ["name": "flux", "namespace": "flux-system", "generation": 1, "creationTimestamp": .string(time(-86_400 * 30))],
                "spec": ["distribution": ["version": "2.7.x", "registry": "ghcr.io/fluxcd"],
                         "components": .array(Self.controllers.map { .string($0) }),
                         "cluster": ["type": "kubernetes", "networkPolicy": true, "domain": "cluster.local"]],
                "status": ["observedGeneration": 1,
                           "conditions": [readyCondition(status: "True", reason: "ReconciliationSucceeded", message: "Reconciliation finished in 2s", generation: 1)],
                           "lastAppliedRevision": .string("\(fluxVersion)@\(digest)"), "lastAttemptedRevision": .string("\(fluxVersion)@\(digest)")]]
    }

    func node(_ i: Int) -> JSONValue {
        let t = JSONValue.string(time(-86_400 * 60))
        return ["apiVersion": "v1", "kind": "Node",
                "metadata": ["name": .string("node-\(i)"), "creationTimestamp": t,
                             "labels": ["kubernetes.io/hostname": .string("node-\(i)"), "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"]],
                "spec": ["podCIDR": .string("10.244.\(i).0/24")],
                "status": ["capacity": ["cpu": "4", "memory": "16318540Ki", "pods": "110"],
                           "allocatable": ["cpu": "4", "memory": "16216140Ki", "pods": "110"],
                           "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": t, "lastTransitionTime": t]],
                           "nodeInfo": ["kubeletVersion": "v1.32.4", "osImage": "Debian GNU/Linux 12 (bookworm)", "architecture": "amd64", "operatingSystem": "linux", "containerRuntimeVersion": "containerd://1.7.24"]]]
    }

    mutating func syncPair() -> [JSONValue] {
        let sha = rng.hex(40)
        let revision = "refs/heads/main@sha1:\(sha)"
        let labels: JSONValue = ["kustomize.toolkit.fluxcd.io/name": "flux-system", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"]
        let git: JSONValue = [
            "apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": ["name": "flux-system", "namespace": "flux-system", "generation": 1, "labels": labels,
                         "finalizers": ["finalizers.fluxcd.io"], "creationTimestamp": .string(time(-86_400 * 30))],
            "spec": ["interval": "1m0s", "ref": ["branch": "main"], "secretRef": ["name": "flux-system"], "timeout": "60s",
                     "url": "ssh://git@github.com/example/fleet-infra"],
            "status": ["observedGeneration": 1,
                       "conditions": [readyCondition(status: "True", reason: "Succeeded", message: "stored artifact for revision '\(revision)'", generation: 1),
                                      ["type": "ArtifactInStorage", "status": "True", "reason": "Succeeded", "message": .string("stored artifact for revision '\(revision)'"), "observedGeneration": 1, "lastTransitionTime": .string(time(-600))]],
                       "artifact": artifact("gitrepository", "flux-system", "flux-system", revision: revision)],
        ]
        let ks: JSONValue = [
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": ["name": "flux-system", "namespace": "flux-system", "generation": 1, "labels": labels,
                         "finalizers": ["finalizers.fluxcd.io"], "creationTimestamp": .string(time(-86_400 * 30))],
            "spec": ["interval": "10m0s", "path": "./clusters/production", "prune": true,
                     "sourceRef": ["kind": "GitRepository", "name": "flux-system"]],
            "status": ["observedGeneration": 1, "lastAppliedRevision": .string(revision), "lastAttemptedRevision": .string(revision),
                       "conditions": [readyCondition(status: "True", reason: "ReconciliationSucceeded", message: "Applied revision: \(revision)", generation: 1)]],
        ]
        return [git, ks]
    }

    // MARK: - Flux objects

    func time(_ offset: Int) -> String { Timestamp.rfc3339(secondsSinceEpoch: Int64(baseTime) + Int64(offset)) }

    func readyCondition(status: String, reason: String, message: String, generation: Int64) -> JSONValue {
        ["type": "Ready", "status": .string(status), "reason": .string(reason), "message": .string(message),
         "observedGeneration": .int(generation), "lastTransitionTime": .string(time(-rng.peek(3600)))]
    }

    mutating func artifact(_ kind: String, _ namespace: String, _ name: String, revision: String) -> JSONValue {
        let digest = rng.hex(64)
        let file = "\(rng.hex(40)).tar.gz"
        return ["digest": .string("sha256:\(digest)"), "lastUpdateTime": .string(time(-rng.int(86_400))),
                "path": .string("\(kind)/\(namespace)/\(name)/\(file)"), "revision": .string(revision),
                "size": .int(Int64(1_000 + rng.int(5_000_000))),
                "url": .string("http://source-controller.flux-system.svc.cluster.local./\(kind)/\(namespace)/\(name)/\(file)")]
    }

    /// Ready status, reason and message for the kind, in the words Flux controllers use.
    mutating func readiness(_ kind: String, revision: String, dependency: String) -> (status: String, reason: String, message: String) {
        let roll = rng.unit()
        if roll < options.failingFraction {
            switch rng.int(3) {
            case 0:
                return ("False", "DependencyNotReady", "dependency '\(dependency)' is not ready")
            case 1:
                return ("False", "ReconciliationFailed", kind == "HelmRelease"
                        ? "Helm upgrade failed for release: context deadline exceeded"
                        : "reconciliation failed: kustomize build failed: accumulating resources: 'apps/missing' not found")
            default:
                let reason = ["GitRepository": "GitOperationFailed", "OCIRepository": "OCIArtifactPullFailed",
                              "HelmRepository": "IndexationFailed", "HelmChart": "ChartPullFailed", "Bucket": "BucketOperationFailed",
                              "Kustomization": "HealthCheckFailed", "HelmRelease": "InstallFailed",
                              "ImageRepository": "ScanFailed"][kind] ?? "ReconciliationFailed"
                return ("False", reason, "failed to reconcile: connection refused")
            }
        }
        if roll < options.failingFraction + options.progressingFraction {
            return ("Unknown", "Progressing", "Reconciliation in progress")
        }
        switch kind {
        case "Kustomization": return ("True", "ReconciliationSucceeded", "Applied revision: \(revision)")
        case "HelmRelease": return ("True", "UpgradeSucceeded", "Helm upgrade succeeded for release with chart \(revision)")
        case "ImagePolicy": return ("True", "Succeeded", "Latest image tag resolved to \(revision)")
        case "ImageRepository": return ("True", "Succeeded", "successful scan: found 42 tags")
        case "GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket":
            return ("True", "Succeeded", "stored artifact for revision '\(revision)'")
        default: return ("True", "Succeeded", "Reconciliation finished")
        }
    }

    mutating func object(_ kind: Kind, namespace: String, index: Int, perNamespace: Int, counts: [Int], nsIndex: Int) -> JSONValue {
        let name = "\(kind.kind.lowercased())-\(index)"
        let generation = Int64(1 + rng.int(5))
        let created = time(-86_400 * (1 + rng.int(300)))
        func refName(_ refKind: String) -> String {
            guard let k = kinds.firstIndex(where: { $0.kind == refKind }) else { return "\(refKind.lowercased())-0" }
            let available = (counts[k] + options.namespaces - 1 - nsIndex) / options.namespaces
            return "\(refKind.lowercased())-\(rng.int(max(available, 1)))"
        }
        var spec: JSONValue = ["interval": .string(["1m0s", "5m0s", "10m0s", "1h0m0s"][rng.int(4)])]
        var status: JSONValue = [:]
        var revision = "main@sha1:\(rng.hex(40))"
        var dependency = "\(namespace)/\(refName("GitRepository"))"
        let plural = kind.kind.lowercased()
        switch kind.kind {
        case "GitRepository":
            spec["url"] = .string("https://github.com/example/app-\(nsIndex)-\(index)")
            spec["ref"] = ["branch": "main"]
            spec["timeout"] = "60s"
            revision = "refs/heads/main@sha1:\(rng.hex(40))"
        case "OCIRepository":
            spec["url"] = .string("oci://ghcr.io/example/manifests/app-\(index)")
            spec["ref"] = ["tag": "latest"]
            revision = "latest@sha256:\(rng.hex(64))"
        case "HelmRepository":
            spec["url"] = .string("https://charts.example.com/repo-\(index)")
            revision = "sha256:\(rng.hex(64))"
        case "HelmChart":
            let chart = ["podinfo", "nginx", "redis", "cert-manager"][rng.int(4)]
            spec["chart"] = .string(chart)
            spec["version"] = "*"
            spec["reconcileStrategy"] = "ChartVersion"
            spec["sourceRef"] = ["kind": "HelmRepository", "name": .string(refName("HelmRepository"))]
            revision = "\(1 + rng.int(9)).\(rng.int(20)).\(rng.int(10))"
            dependency = "\(namespace)/\(spec["sourceRef"]["name"].string ?? "")"
        case "Bucket":
            spec["bucketName"] = .string("bucket-\(index)")
            spec["endpoint"] = "minio.example.com"
            spec["provider"] = "generic"
            revision = "sha256:\(rng.hex(64))"
        case "Kustomization":
            spec["path"] = .string("./apps/app-\(index)")
            spec["prune"] = true
            spec["timeout"] = "5m0s"
            if rng.int(4) == 0 {
                let oci = refName("OCIRepository")
                spec["sourceRef"] = ["kind": "OCIRepository", "name": .string(oci)]
                revision = "latest@sha256:\(rng.hex(64))"
                dependency = "\(namespace)/\(oci)"
            } else {
                spec["sourceRef"] = ["kind": "GitRepository", "name": .string(dependency.split(separator: "/").last.map(String.init) ?? "")]
            }
            if index > 0 && rng.int(5) == 0 { spec["dependsOn"] = [["name": .string("kustomization-\(rng.int(index))")]] }
        case "HelmRelease":
            let chart = ["podinfo", "nginx", "redis", "cert-manager"][rng.int(4)]
            revision = "\(1 + rng.int(9)).\(rng.int(20)).\(rng.int(10))"
            if rng.int(3) == 0 {
                let oci = refName("OCIRepository")
                spec["chartRef"] = ["kind": "OCIRepository", "name": .string(oci)]
                dependency = "\(namespace)/\(oci)"
            } else {
                let repo = refName("HelmRepository")
                spec["chart"] = ["spec": ["chart": .string(chart), "version": ">=1.0.0", "sourceRef": ["kind": "HelmRepository", "name": .string(repo)]]]
                dependency = "\(namespace)/\(repo)"
            }
            spec["releaseName"] = .string("\(chart)-\(index)")
        case "ImageRepository":
            spec["image"] = .string("ghcr.io/example/app-\(index)")
            revision = "sha256:\(rng.hex(64))"
        case "ImagePolicy":
            let repo = refName("ImageRepository")
            spec["imageRepositoryRef"] = ["name": .string(repo)]
            spec["policy"] = ["semver": ["range": ">=1.0.0"]]
            revision = "ghcr.io/example/\(repo):\(1 + rng.int(5)).\(rng.int(10)).\(rng.int(10))"
            dependency = "\(namespace)/\(repo)"
        case "ImageUpdateAutomation":
            spec["sourceRef"] = ["kind": "GitRepository", "name": .string(refName("GitRepository"))]
            spec["git"] = ["commit": ["author": ["name": "fluxcdbot", "email": "fluxcdbot@users.noreply.github.com"]], "push": ["branch": "main"]]
            spec["update"] = ["path": "./apps", "strategy": "Setters"]
        case "Alert":
            spec = ["providerRef": ["name": .string(refName("Provider"))], "eventSeverity": "info",
                    "eventSources": [["kind": "Kustomization", "name": "*"], ["kind": "HelmRelease", "name": "*"]]]
        case "Provider":
            spec = ["type": "slack", "channel": .string("alerts-\(nsIndex)"), "address": "https://hooks.slack.com/services/x"]
        case "Receiver":
            spec["type"] = "github"
            spec["events"] = ["ping", "push"]
            spec["resources"] = [["kind": "GitRepository", "name": .string(refName("GitRepository"))]]
            spec["secretRef"] = ["name": "webhook-token"]
        case "ResourceSet":
            spec = ["inputs": [["tenant": .string(namespace)]],
                    "resources": [["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "<< inputs.tenant >>"]]]]
        case "ResourceSetInputProvider":
            spec = ["type": "GitHubPullRequest", "url": .string("https://github.com/example/app-\(index)"),
                    "defaultValues": ["env": "preview"]]
        default:
            break
        }
        let suspendable = kind.kind != "Alert" && kind.kind != "Provider" && kind.kind != "ResourceSet" && kind.kind != "ResourceSetInputProvider"
        let suspended = suspendable && rng.unit() < options.suspendedFraction
        if suspended { spec["suspend"] = true }
        // notification.toolkit v1beta3 Alerts and Providers have no status.
        if kind.kind != "Alert" && kind.kind != "Provider" {
            let ready = readiness(kind.kind, revision: revision, dependency: dependency)
            let observed = ready.status == "Unknown" ? generation - 1 : generation
            var conditions: [JSONValue] = [readyCondition(status: ready.status, reason: ready.reason, message: ready.message, generation: observed)]
            if ready.status == "Unknown" {
                conditions.append(["type": "Reconciling", "status": "True", "reason": "Progressing", "message": "Reconciliation in progress",
                                   "observedGeneration": .int(generation), "lastTransitionTime": .string(time(-30))])
            } else if ready.status == "False" && ready.reason != "DependencyNotReady" {
                conditions.append(["type": "Stalled", "status": "False", "reason": .string(ready.reason), "message": .string(ready.message),
                                   "observedGeneration": .int(generation), "lastTransitionTime": .string(time(-300))])
            }
            status["conditions"] = .array(conditions)
            status["observedGeneration"] = .int(observed)
            status["lastHandledReconcileAt"] = .string(time(-rng.int(86_400)))
            switch kind.kind {
            case "GitRepository", "OCIRepository", "HelmRepository", "HelmChart", "Bucket":
                if ready.status != "False" || rng.int(2) == 0 {
                    status["artifact"] = artifact(plural, namespace, name, revision: revision)
                }
                if kind.kind == "HelmChart" { status["observedChartName"] = spec["chart"] }
                if kind.kind == "HelmRepository" { status["url"] = .string("http://source-controller.flux-system.svc.cluster.local./helmrepository/\(namespace)/\(name)/index.yaml") }
            case "Kustomization":
                status["lastAttemptedRevision"] = .string(revision)
                if ready.status == "True" { status["lastAppliedRevision"] = .string(revision) }
            case "HelmRelease":
                status["lastAttemptedRevision"] = .string(revision)
                status["lastAttemptedGeneration"] = .int(generation)
                if ready.status == "True" { status["lastAppliedRevision"] = .string(revision) }
                status["history"] = [["chartName": .string(spec[path: "chart", "spec", "chart"].string ?? "podinfo"), "chartVersion": .string(revision),
                                      "name": .string(spec["releaseName"].string ?? name), "namespace": .string(namespace),
                                      "status": .string(ready.status == "True" ? "deployed" : "failed"), "version": .int(generation),
                                      "digest": .string("sha256:\(rng.hex(64))"), "configDigest": .string("sha256:\(rng.hex(64))"),
                                      "firstDeployed": .string(created), "lastDeployed": .string(time(-rng.int(86_400)))]]
            case "ImageRepository":
                status["canonicalImageName"] = .string("ghcr.io/example/app-\(index)")
                status["lastScanResult"] = ["scanTime": .string(time(-rng.int(3_600))), "tagCount": .int(Int64(rng.int(200))), "revision": .string(revision)]
            case "ImagePolicy":
                if ready.status == "True" {
                    let parts = revision.split(separator: ":")
                    status["latestRef"] = ["name": .string(String(parts.first ?? "")), "tag": .string(String(parts.last ?? ""))]
                }
            case "ImageUpdateAutomation":
                status["lastAutomationRunTime"] = .string(time(-rng.int(3_600)))
                status["lastPushCommit"] = .string(rng.hex(40))
                status["lastPushTime"] = .string(time(-rng.int(86_400)))
            case "Receiver":
                status["webhookPath"] = .string("/hook/\(rng.hex(64))")
            case "ResourceSet":
                status["lastAppliedRevision"] = .string("sha256:\(rng.hex(64))")
            case "ResourceSetInputProvider":
                status["lastExportedRevision"] = .string("sha256:\(rng.hex(64))")
            default: break
            }
        }
        var metadata: JSONValue = [
            "name": .string(name), "namespace": .string(namespace), "generation": .int(generation), "creationTimestamp": .string(created),
            "labels": ["app.kubernetes.io/name": .string("app-\(index)"), "toolkit.fluxcd.io/tenant": .string(namespace)],
        ]
        if kind.kind != "Alert" && kind.kind != "Provider" { metadata["finalizers"] = ["finalizers.fluxcd.io"] }
        var object: JSONValue = ["apiVersion": .string(kind.apiVersion), "kind": .string(kind.kind), "metadata": metadata, "spec": spec]
        if case .object(let s) = status, !s.isEmpty { object["status"] = status }
        return object
    }
}

extension SeededRandom {
    /// A value derived from the state without advancing it (for cosmetic fields only).
    func peek(_ upper: Int) -> Int { upper <= 0 ? 0 : Int((generator.state >> 7) % UInt64(upper)) }
}
