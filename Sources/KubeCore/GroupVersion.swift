/// API group + version, e.g. `source.toolkit.fluxcd.io/v1`; the core group is `""` (`v1`).
public struct GroupVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var group: String
    public var version: String

    public init(group: String, version: String) {
        self.group = group
        self.version = version
    }

    /// Parses an `apiVersion` string: `v1` or `group/version`.
    public init(apiVersion: String) {
        if let slash = apiVersion.firstIndex(of: "/") {
            group = String(apiVersion[..<slash])
            version = String(apiVersion[apiVersion.index(after: slash)...])
        } else {
            group = ""
            version = apiVersion
        }
    }

    /// The `apiVersion` form: `v1` for the core group, else `group/version`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var description: String { apiVersion }

    /// URL prefix of the group/version: `/api/v1` or `/apis/<group>/<version>`.
    public var pathPrefix: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    public static func < (lhs: GroupVersion, rhs: GroupVersion) -> Bool { lhs.apiVersion < rhs.apiVersion }
}

/// A kind in a group/version, e.g. `kustomize.toolkit.fluxcd.io/v1, Kind=Kustomization`.
public struct GroupVersionKind: Sendable, Hashable, CustomStringConvertible {
    public var groupVersion: GroupVersion
    public var kind: String

    public init(group: String, version: String, kind: String) {
        groupVersion = GroupVersion(group: group, version: version)
        self.kind = kind
    }

    public init(apiVersion: String, kind: String) {
        groupVersion = GroupVersion(apiVersion: apiVersion)
        self.kind = kind
    }

    public var group: String { groupVersion.group }
    public var version: String { groupVersion.version }
    public var apiVersion: String { groupVersion.apiVersion }
    public var description: String { "\(apiVersion), Kind=\(kind)" }
}

/// A resource endpoint: group, version and plural resource name, plus whether it is namespaced.
///
/// This is what a REST call needs; `kind` is carried along for logs, events and list decoding.
public struct GroupVersionResource: Sendable, Hashable, CustomStringConvertible {
    public var groupVersion: GroupVersion
    public var resource: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, resource: String, kind: String = "", namespaced: Bool = true) {
        groupVersion = GroupVersion(group: group, version: version)
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
    }

    public var group: String { groupVersion.group }
    public var version: String { groupVersion.version }
    public var apiVersion: String { groupVersion.apiVersion }
    public var gvk: GroupVersionKind { GroupVersionKind(group: group, version: version, kind: kind) }
    public var description: String { group.isEmpty ? "\(resource).\(version)" : "\(resource).\(version).\(group)" }

    /// Collection path, e.g. `/apis/apps/v1/namespaces/flux-system/deployments` or cluster-wide `/apis/apps/v1/deployments`.
    public func collectionPath(namespace: String?) -> String {
        if namespaced, let namespace, !namespace.isEmpty {
            return "\(groupVersion.pathPrefix)/namespaces/\(PathEscaping.escape(namespace))/\(resource)"
        }
        return "\(groupVersion.pathPrefix)/\(resource)"
    }

    /// Object path, optionally with a subresource (`status`).
    public func objectPath(namespace: String?, name: String, subresource: String? = nil) -> String {
        var path = "\(collectionPath(namespace: namespace))/\(PathEscaping.escape(name))"
        if let subresource { path += "/\(subresource)" }
        return path
    }
}

/// Well-known resources the project uses.
extension GroupVersionResource {
    public static let namespaces = GroupVersionResource(group: "", version: "v1", resource: "namespaces", kind: "Namespace", namespaced: false)
    public static let nodes = GroupVersionResource(group: "", version: "v1", resource: "nodes", kind: "Node", namespaced: false)
    public static let secrets = GroupVersionResource(group: "", version: "v1", resource: "secrets", kind: "Secret")
    public static let configMaps = GroupVersionResource(group: "", version: "v1", resource: "configmaps", kind: "ConfigMap")
    public static let coreEvents = GroupVersionResource(group: "", version: "v1", resource: "events", kind: "Event")
    public static let events = GroupVersionResource(group: "events.k8s.io", version: "v1", resource: "events", kind: "Event")
    public static let deployments = GroupVersionResource(group: "apps", version: "v1", resource: "deployments", kind: "Deployment")
    public static let leases = GroupVersionResource(group: "coordination.k8s.io", version: "v1", resource: "leases", kind: "Lease")
    public static let customResourceDefinitions = GroupVersionResource(
        group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions",
        kind: "CustomResourceDefinition", namespaced: false)
}

/// Percent-escaping for path segments and query values.
public enum PathEscaping {
    static let unreserved: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    public static func escape(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    public static func unescape(_ s: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(s.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
