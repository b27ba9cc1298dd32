import KubeCore
import Foundation

/// A simplified server-side-apply ownership model.
///
/// Each `metadata.managedFields` entry owns a set of leaf paths (scalars, lists and empty maps are
/// leaves; lists are owned whole, there are no list-map keys). Apply merges the applied configuration
/// into the live object (maps recursively, everything else replaced), reports a 409 conflict when
/// another manager owns a leaf whose value the apply would change (unless `force`, which takes the
/// ownership), and removes fields the manager applied before but no longer applies when nobody else
/// owns them. Updates (PUT, patches) take ownership of the leaves they change.
enum ManagedFields {
    typealias Path = [String]

    /// Paths that identify the object or are maintained by the server: never owned.
    static func isIgnored(_ path: Path) -> Bool {
        guard let first = path.first else { return true }
        if first == "apiVersion" || first == "kind" { return true }
        if first == "metadata", path.count >= 2 {
            return ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                    "managedFields", "selfLink", "deletionTimestamp", "generateName"].contains(path[1])
        }
        return false
    }

    static func leafPaths(_ value: JSONValue, prefix: Path = []) -> [Path] {
        if case .object(let dict) = value, !dict.isEmpty {
            var out: [Path] = []
            for (key, child) in dict {
                let path = prefix + [key]
                if isIgnored(path) { continue }
                out += leafPaths(child, prefix: path)
            }
            return out
        }
        return prefix.isEmpty ? [] : [prefix]
    }

    static func value(at path: Path, in object: JSONValue) -> JSONValue? {
        var node = object
        for key in path {
            guard case .object(let d) = node, let next = d[key] else { return nil }
            node = next
        }
        return node
    }

    static func removing(_ path: Path, from object: JSONValue) -> JSONValue {
        guard let key = path.first, case .object(var dict) = object else { return object }
        if path.count == 1 {
            dict.removeValue(forKey: key)
        } else if let child = dict[key] {
            let updated = removing(Array(path.dropFirst()), from: child)
            if case .object(let d) = updated, d.isEmpty { dict.removeValue(forKey: key) } else { dict[key] = updated }
        }
        return .object(dict)
    }

    static func deepMerge(_ live: JSONValue, _ applied: JSONValue) -> JSONValue {
        guard case .object(let a) = applied, case .object(var l) = live else { return applied }
        for (key, value) in a { l[key] = deepMerge(l[key] ?? .null, value) }
        return .object(l)
    }

    static func fieldsV1(_ paths: [Path]) -> JSONValue {
        var root: JSONValue = .object([:])
        for path in paths {
            root = inserting(path.map { "f:" + $0 }[...], into: root)
        }
        return root
    }

    private static func inserting(_ path: ArraySlice<String>, into node: JSONValue) -> JSONValue {
        guard let key = path.first else { return node }
        var dict = node.object ?? [:]
        dict[key] = inserting(path.dropFirst(), into: dict[key] ?? .object([:]))
        return .object(dict)
    }

    static func paths(fromFieldsV1 fields: JSONValue, prefix: Path = []) -> [Path] {
        guard case .object(let dict) = fields else { return [] }
        var out: [Path] = []
        var hasChild = false
        for (key, child) in dict where key.hasPrefix("f:") {
            hasChild = true
            out += paths(fromFieldsV1: child, prefix: prefix + [String(key.dropFirst(2))])
        }
        if !hasChild && !prefix.isEmpty { out.append(prefix) }
        return out
    }

    static func overlaps(_ a: Path, _ b: Path) -> Bool {
        let n = min(a.count, b.count)
        return Array(a.prefix(n)) == Array(b.prefix(n))
    }

    struct Entry {
        var manager: String
        var operation: String
        var apiVersion: String
        var time: String
        var subresource: String?
        var paths: [Path]

        init(json: JSONValue) {
            manager = json["manager"].string ?? ""
            operation = json["operation"].string ?? "Update"
            apiVersion = json["apiVersion"].string ?? ""
            time = json["time"].string ?? ""
            subresource = json["subresource"].string
            paths = ManagedFields.paths(fromFieldsV1: json["fieldsV1"])
        }

        init(manager: String, operation: String, apiVersion: String, subresource: String?, paths: [Path]) {
            self.manager = manager
            self.operation = operation
            self.apiVersion = apiVersion
            self.time = Timestamp.rfc3339(Date())
            self.subresource = subresource
            self.paths = paths
        }

        var json: JSONValue {
            var out: JSONValue = [
                "manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
                "time": .string(time), "fieldsType": "FieldsV1", "fieldsV1": ManagedFields.fieldsV1(paths),
            ]
            if let subresource { out["subresource"] = .string(subresource) }
            return out
        }

        func isSame(manager m: String, operation op: String, subresource sub: String?) -> Bool {
            manager == m && operation == op && subresource == sub
        }
    }

    static func entries(of object: JSONValue) -> [Entry] {
        (object[path: "metadata", "managedFields"].array ?? []).map(Entry.init(json:))
    }

    static func storing(_ entries: [Entry], in object: JSONValue) -> JSONValue {
        var out = object
        let kept = entries.filter { !$0.paths.isEmpty }
        out["metadata"]["managedFields"] = kept.isEmpty ? .null : .array(kept.map(\.json))
        return out
    }

    static func pathString(_ path: Path) -> String { "." + path.joined(separator: ".") }

    /// Server-side apply of `applied` by `manager` onto `live` (nil when the object does not exist yet).
    static func apply(live: JSONValue?, applied: JSONValue, manager: String, force: Bool,
                      subresource: String?, resource: ResourceInfo, name: String) throws(APIError) -> JSONValue {
        let appliedPaths = leafPaths(applied)
        let base = live ?? .object([:])
        var entries = entries(of: base)
        var conflicts: [String] = []
        for i in entries.indices where !entries[i].isSame(manager: manager, operation: "Apply", subresource: subresource) {
            var taken: [Path] = []
            for owned in entries[i].paths {
                for p in appliedPaths where overlaps(owned, p) {
                    if value(at: p, in: base) != value(at: p, in: applied) {
                        if entries[i].manager != manager {
                            conflicts.append("conflict with \"\(entries[i].manager)\" using \(entries[i].apiVersion): \(pathString(p))")
                        }
                        taken.append(owned)
                    }
                }
            }
            if force || conflicts.isEmpty || entries[i].manager == manager {
                entries[i].paths.removeAll { taken.contains($0) }
            }
        }
        if !conflicts.isEmpty && !force {
            let plural = conflicts.count == 1 ? "conflict" : "conflicts"
            throw APIError(code: 409, reason: "Conflict",
                           message: "Apply failed with \(conflicts.count) \(plural): \(conflicts.joined(separator: ", "))",
                           details: Status.Details(name: name, group: resource.group, kind: resource.resource))
        }
        var result = base
        if let previous = entries.first(where: { $0.isSame(manager: manager, operation: "Apply", subresource: subresource) }) {
            let others = entries.filter { !$0.isSame(manager: manager, operation: "Apply", subresource: subresource) }.flatMap(\.paths)
            for p in previous.paths where !appliedPaths.contains(p) && !others.contains(where: { overlaps($0, p) }) {
                result = removing(p, from: result)
            }
        }
        result = deepMerge(result, applied)
        entries.removeAll { $0.isSame(manager: manager, operation: "Apply", subresource: subresource) }
        let apiVersion = applied.apiVersion ?? resource.apiVersion(resource.storageVersion)
        entries.append(Entry(manager: manager, operation: "Apply", apiVersion: apiVersion, subresource: subresource, paths: appliedPaths))
        return storing(entries, in: result)
    }

    /// Records an Update by `manager`: it takes ownership of every leaf that changed.
    static func recordUpdate(old: JSONValue?, new: JSONValue, manager: String, subresource: String?) -> JSONValue {
        let changed = leafPaths(new).filter { p in
            guard let old else { return true }
            return value(at: p, in: old) != value(at: p, in: new)
        }
        var entries = entries(of: old ?? new)
        guard !changed.isEmpty else { return storing(entries, in: new) }
        for i in entries.indices {
            entries[i].paths.removeAll { owned in changed.contains { overlaps($0, owned) } }
        }
        if let i = entries.firstIndex(where: { $0.isSame(manager: manager, operation: "Update", subresource: subresource) }) {
            entries[i].paths += changed.filter { !entries[i].paths.contains($0) }
            entries[i].time = Timestamp.rfc3339(Date())
        } else {
            entries.append(Entry(manager: manager, operation: "Update", apiVersion: new.apiVersion ?? "", subresource: subresource, paths: changed))
        }
        return storing(entries, in: new)
    }
}
