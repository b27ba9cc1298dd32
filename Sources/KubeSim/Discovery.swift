import KubeCore

/// The discovery and OpenAPI documents clients read before doing anything else.
enum Discovery {
    static let gitVersion = "v1.32.4"

    static func version() -> JSONValue {
        ["major": "1", "minor": "32", "gitVersion": .string(gitVersion), "gitCommit": "kubesim", "gitTreeState": "clean",
         "buildDate": "2025-04-22T16:00:00Z", "goVersion": "go1.23.8", "compiler": "gc", "platform": "linux/amd64"]
    }

    static func coreVersions(serverAddress: String) -> JSONValue {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    static func groups(_ resources: [ResourceInfo]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for r in resources where !r.group.isEmpty {
            var versions = out[r.group] ?? []
            for v in r.versions where !versions.contains(v) { versions.append(v) }
            out[r.group] = versions
        }
        return out
    }

    static func group(_ name: String, versions: [String]) -> JSONValue {
        let sorted = sortVersions(versions)
        let entries: [JSONValue] = sorted.map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
        return ["kind": "APIGroup", "apiVersion": "v1", "name": .string(name), "versions": .array(entries),
                "preferredVersion": entries.first ?? .null]
    }

    static func groupList(_ resources: [ResourceInfo]) -> JSONValue {
        let groups = groups(resources).sorted { $0.key < $1.key }.map { group($0.key, versions: $0.value) }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups.map { var g = $0; g["kind"] = .null; g["apiVersion"] = .null; return g })]
    }

    static func resourceList(_ resources: [ResourceInfo], group: String, version: String) -> JSONValue? {
        let served = resources.filter { $0.group == group && $0.versions.contains(version) }.sorted { $0.resource < $1.resource }
        guard !served.isEmpty || (group.isEmpty && version == "v1") else { return nil }
        var list: [JSONValue] = []
        for r in served {
            var entry: JSONValue = [
                "name": .string(r.resource), "singularName": .string(r.singular), "namespaced": .bool(r.namespaced),
                "kind": .string(r.kind),
                "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            ]
            if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map { .string($0) }) }
            if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map { .string($0) }) }
            list.append(entry)
            if r.hasStatus {
                list.append(["name": .string(r.resource + "/status"), "singularName": "", "namespaced": .bool(r.namespaced),
                             "kind": .string(r.kind), "verbs": ["get", "patch", "update"]])
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
                "resources": .array(list)]
    }

    /// Kubernetes version priority: GA > beta > alpha, higher numbers first.
    static func sortVersions(_ versions: [String]) -> [String] {
        func rank(_ v: String) -> (Int, Int, Int) {
            let body = v.dropFirst()
            let digits = body.prefix { $0.isNumber }
            let major = Int(digits) ?? 0
            let rest = body.dropFirst(digits.count)
            if rest.isEmpty { return (3, major, 0) }
            let minor = Int(rest.drop { !$0.isNumber }) ?? 0
            return rest.hasPrefix("beta") ? (2, major, minor) : (1, major, minor)
        }
        return versions.sorted { rank($0) > rank($1) }
    }

    /// Minimal OpenAPI v2: enough for kubectl to accept it; validation finds no schemas.
    static func openAPIV2() -> JSONValue {
        ["swagger": "2.0", "info": ["title": "Kubernetes", "version": .string(gitVersion)], "paths": [:], "definitions": [:]]
    }

    /// The same minimal document as gnostic `openapi_v2.Document` protobuf, which kubectl 1.20
    /// requires (it only asks for protobuf): swagger "2.0", info, empty paths and definitions.
    static func openAPIV2Protobuf() -> [UInt8] {
        func field(_ number: UInt8, _ payload: [UInt8]) -> [UInt8] {
            // Wire type 2 (length-delimited); every payload here is shorter than 128 bytes.
            [number << 3 | 2, UInt8(payload.count)] + payload
        }
        let info = field(1, Array("Kubernetes".utf8)) + field(2, Array(gitVersion.utf8))
        return field(1, Array("2.0".utf8)) + field(2, info) + field(8, []) + field(9, [])
    }

    /// OpenAPI v3 index: one entry per served group/version, each pointing at a schema-less document.
    static func openAPIV3(_ resources: [ResourceInfo]) -> JSONValue {
        var paths: [String: JSONValue] = ["api/v1": ["serverRelativeURL": "/openapi/v3/api/v1?hash=kubesim"]]
        for r in resources where !r.group.isEmpty {
            for v in r.versions {
                paths["apis/\(r.group)/\(v)"] = ["serverRelativeURL": .string("/openapi/v3/apis/\(r.group)/\(v)?hash=kubesim")]
            }
        }
        return ["paths": .object(paths)]
    }

    /// A group/version document with one permissive schema per kind (any field accepted): kubectl
    /// finds its kind there, validates nothing and computes plain merge patches.
    static func openAPIV3Group(_ resources: [ResourceInfo], group: String, version: String) -> JSONValue {
        var schemas: [String: JSONValue] = [:]
        var paths: [String: JSONValue] = [:]
        let prefix = group.isEmpty ? "io.k8s.api.core" : group.split(separator: ".").reversed().joined(separator: ".")
        for r in resources where r.group == group && r.versions.contains(version) {
            schemas["\(prefix).\(version).\(r.kind)"] = [
                "type": "object", "x-kubernetes-preserve-unknown-fields": true,
                "properties": ["apiVersion": ["type": "string"], "kind": ["type": "string"],
                               "metadata": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                "x-kubernetes-group-version-kind": [["group": .string(group), "version": .string(version), "kind": .string(r.kind)]],
            ]
            // Declaring `fieldValidation` on PATCH tells kubectl the server validates (so it skips
            // client-side validation, which would need the protobuf OpenAPI v2 document).
            let gvk: JSONValue = ["group": .string(group), "version": .string(version), "kind": .string(r.kind)]
            let param: JSONValue = [["name": "fieldValidation", "in": "query", "schema": ["type": "string"]]]
            let base = r.gvr(version: version).collectionPath(namespace: r.namespaced ? "{namespace}" : nil)
                .replacingAll("%7Bnamespace%7D", with: "{namespace}")
            paths[base + "/{name}"] = [
                "patch": ["x-kubernetes-action": "patch", "x-kubernetes-group-version-kind": gvk, "parameters": param],
                "put": ["x-kubernetes-action": "put", "x-kubernetes-group-version-kind": gvk, "parameters": param],
            ]
            paths[base] = ["post": ["x-kubernetes-action": "post", "x-kubernetes-group-version-kind": gvk, "parameters": param]]
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": .string(gitVersion)], "paths": .object(paths),
                "components": ["schemas": .object(schemas)]]
    }
}
