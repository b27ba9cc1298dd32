import FluxReport
import KubeCore
import Yams

/// Errors of the test fixtures themselves (missing files, bad YAML).
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Real Flux manifests from `<repo>/../shared/fixtures/flux/<version>`, with the status the API server
/// would add (the manifests carry none).
enum Fixtures {
    static let repoRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/FluxReportTests/Fixtures.swift
        return parts.joined(separator: "/")
    }()

    static var fluxDir: String { repoRoot + "/../shared/fixtures/flux" }
    static var goldenDir: String { repoRoot + "/Tests/FluxReportTests/Golden" }
    static var crdPath: String { repoRoot + "/config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml" }

    static let controllers = [
        "helm-controller", "image-automation-controller", "image-reflector-controller", "kustomize-controller",
        "notification-controller", "source-controller",
    ]

    /// All documents of the manifests of one Flux version (parsed once per test process).
    static func documents(version: String) throws -> [JSONValue] {
        guard let result = parsed[version] else { throw FixtureError("no fixtures for Flux \(version)") }
        return try result.get()
    }

    static let parsed: [String: Result<[JSONValue], FixtureError>] = {
        var out: [String: Result<[JSONValue], FixtureError>] = [:]
        for version in ["v2.3.0", "v2.7.0"] {
            do {
                var docs: [JSONValue] = []
                for controller in controllers {
                    docs += try yamlDocuments(try readFile("\(fluxDir)/\(version)/\(controller).yaml"))
                }
                out[version] = .success(docs)
            } catch {
                out[version] = .failure(FixtureError("cannot load Flux \(version) fixtures: \(error)"))
            }
        }
        return out
    }()

    /// CRDs with `status.storedVersions` (older served versions first, the storage version last) and
    /// the labels `flux install` / `flux bootstrap` put on every object (the raw per-controller
    /// manifests lack `app.kubernetes.io/part-of` on several CRDs in v2.3.0; the installer adds it).
    static func crds(version: String, bootstrap: Bool = false) throws -> [JSONValue] {
        try documents(version: version).filter { $0.kind == "CustomResourceDefinition" }.map { crd in
            var crd = crd
            let versions = crd[path: "spec", "versions"].array ?? []
            let storage = versions.filter { $0["storage"].bool == true }.compactMap { $0["name"].string }
            let older = versions.filter { $0["storage"].bool != true && $0["served"].bool == true }
                .compactMap { $0["name"].string }.suffix(1)
            crd["status"] = ["storedVersions": .array((Array(older) + storage).map { .string($0) })]
            var labels = crd[path: "metadata", "labels"]
            labels[FluxKinds.partOfLabel] = "flux"
            labels[FluxKinds.versionLabel] = .string(version)
            labels["app.kubernetes.io/instance"] = "flux-system"
            if bootstrap { labels[FluxKinds.kustomizeNameLabel] = "flux-system" }
            crd["metadata"]["labels"] = labels
            return crd
        }
    }

    /// Controller Deployments in `flux-system`, rolled out and available.
    static func deployments(version: String) throws -> [JSONValue] {
        try documents(version: version).filter { $0.kind == "Deployment" }.map { healthy($0) }
    }

    static func healthy(_ deployment: JSONValue) -> JSONValue {
        var d = deployment
        d["metadata"]["namespace"] = "flux-system"
        d["metadata"]["labels"][FluxKinds.partOfLabel] = "flux"
        d["metadata"]["generation"] = 1
        d["spec"]["progressDeadlineSeconds"] = 600
        let replicas = d[path: "spec", "replicas"].int ?? 1
        d["status"] = [
            "observedGeneration": 1, "replicas": .int(replicas), "updatedReplicas": .int(replicas),
            "readyReplicas": .int(replicas), "availableReplicas": .int(replicas),
            "conditions": [
                ["type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability.", "lastTransitionTime": "2025-01-01T00:00:00Z"],
                ["type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": "ReplicaSet has successfully progressed.", "lastTransitionTime": "2025-01-01T00:00:00Z"],
            ],
        ]
        return d
    }

    static func readFile(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw FixtureError("cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func writeFile(_ path: String, _ text: String) throws {
        guard let file = fopen(path, "w") else { throw FixtureError("cannot write \(path)") }
        defer { fclose(file) }
        let bytes = Array(text.utf8)
        _ = fwrite(bytes, 1, bytes.count, file)
    }
}

/// YAML → JSONValue, resolving plain scalars with the YAML 1.1 core rules and keeping quoted ones as strings.
func yamlDocuments(_ text: String) throws -> [JSONValue] {
    try Yams.compose_all(yaml: text).map(jsonValue)
}

func jsonValue(_ node: Node) -> JSONValue {
    switch node {
    case .scalar(let scalar):
        if scalar.style != .plain && scalar.style != .any { return .string(scalar.string) }
        switch Resolver.default.resolveTag(of: Node.scalar(.init(scalar.string))) {
        case .null: return .null
        case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
        case .int: return node.int.map { .int(Int64($0)) } ?? .string(scalar.string)
        case .float: return node.float.map(JSONValue.double) ?? .string(scalar.string)
        default: return .string(scalar.string)
        }
    case .mapping(let mapping):
        var dict: [String: JSONValue] = [:]
        for (key, value) in mapping { dict[key.string ?? ""] = jsonValue(value) }
        return .object(dict)
    case .sequence(let sequence):
        return .array(sequence.map(jsonValue))
    case .alias:
        return .null
    }
}

/// A Flux object in the shape the controllers write.
func fluxObject(
    kind: String, apiVersion: String, name: String, namespace: String = "flux-system", uid: String? = nil,
    spec: JSONValue = [:], ready: String? = "True", reason: String = "Succeeded", message: String = "ok",
    status: JSONValue = [:], labels: [String: String] = [:], annotations: [String: String] = [:]
) -> JSONValue {
    var obj: JSONValue = [
        "apiVersion": .string(apiVersion), "kind": .string(kind),
        "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid ?? "uid-\(kind)-\(name)")],
        "spec": spec, "status": status,
    ]
    if !labels.isEmpty { obj["metadata"]["labels"] = .object(labels.mapValues { .string($0) }) }
    if !annotations.isEmpty { obj["metadata"]["annotations"] = .object(annotations.mapValues { .string($0) }) }
    if let ready {
        obj["status"]["conditions"] = [[
            "type": "Ready", "status": .string(ready), "reason": .string(reason), "message": .string(message),
            "lastTransitionTime": "2025-01-01T00:00:00Z", "observedGeneration": 1,
        ]]
    }
    return obj
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
