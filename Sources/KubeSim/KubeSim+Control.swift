import KubeCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The control API as Swift methods (the same operations are served under `/_sim/`).
extension KubeSim {
    public struct ControlError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Creates or replaces objects as given (status included), creating missing namespaces.
    /// `namespace` applies to namespaced objects that do not name one. CRDs are stored first.
    @discardableResult
    public func load(objects: [JSONValue], namespace: String? = nil) throws -> [JSONValue] {
        try Self.load(objects: objects, namespace: namespace, into: core.store)
    }

    /// Loads multi-document YAML (or JSON) text.
    @discardableResult
    public func load(yaml: String, namespace: String? = nil) throws -> [JSONValue] {
        try load(objects: YAMLDocuments.parse(yaml), namespace: namespace)
    }

    /// Loads every `.yaml`/`.yml`/`.json` file of a directory, in name order.
    @discardableResult
    public func loadFixtures(directory: String, namespace: String? = nil) throws -> [JSONValue] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") || $0.hasSuffix(".json") }
        var objects: [JSONValue] = []
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
            objects += try YAMLDocuments.parse(String(decoding: data, as: UTF8.self))
        }
        return try load(objects: objects, namespace: namespace)
    }

    static func load(objects: [JSONValue], namespace: String?, into store: ObjectStore) throws -> [JSONValue] {
        // CRDs first so the kinds they serve exist for the rest.
        let ordered = objects.filter { $0.kind == "CustomResourceDefinition" } + objects.filter { $0.kind != "CustomResourceDefinition" }
        var out: [JSONValue] = []
        out.reserveCapacity(ordered.count)
        for object in ordered { out.append(try loadOne(object, namespace: namespace, into: store)) }
        return out
    }

    /// Creates or replaces one object as given (status included), creating its namespace if missing.
    @discardableResult
    static func loadOne(_ object: JSONValue, namespace: String?, into store: ObjectStore) throws -> JSONValue {
        guard let apiVersion = object.apiVersion, let kind = object.kind else {
            throw ControlError(description: "object without apiVersion/kind: \(object.name)")
        }
        guard let info = store.resource(apiVersion: apiVersion, kind: kind) else {
            throw ControlError(description: "no resource serves \(apiVersion), Kind=\(kind)")
        }
        let ns = info.namespaced ? (object.namespace ?? namespace ?? "default") : nil
        return try store.write(info, namespace: ns, name: object.name, mode: .control, autoCreateNamespace: true) { old in
            var new = object
            if let old { new["metadata"]["uid"] = old[path: "metadata", "uid"] }
            return new
        }.object
    }

    /// The stored object, or nil.
    public func get(_ resource: GroupVersionResource, namespace: String?, name: String) -> JSONValue? {
        guard let info = core.store.resource(group: resource.group, version: resource.version, plural: resource.resource) else { return nil }
        return core.store.getObject(info, namespace: namespace, name: name)
    }

    /// Replaces `.status` of an object (as a controller would through `/status`).
    @discardableResult
    public func setStatus(_ resource: GroupVersionResource, namespace: String?, name: String, status: JSONValue) throws -> JSONValue {
        guard let info = core.store.resource(group: resource.group, version: resource.version, plural: resource.resource) else {
            throw ControlError(description: "unknown resource \(resource)")
        }
        return try core.store.write(info, namespace: namespace, name: name, mode: .control) { old throws(APIError) in
            guard var new = old else { throw APIError.notFound(info, name) }
            new["status"] = status
            return new
        }.object
    }

    /// Changes an object with a closure, as a client update would (resourceVersion and generation maintained).
    @discardableResult
    public func modify(_ resource: GroupVersionResource, namespace: String?, name: String,
                       _ change: @escaping (inout JSONValue) -> Void) throws -> JSONValue {
        guard let info = core.store.resource(group: resource.group, version: resource.version, plural: resource.resource) else {
            throw ControlError(description: "unknown resource \(resource)")
        }
        return try core.store.write(info, namespace: namespace, name: name, mode: .control) { old throws(APIError) in
            guard var new = old else { throw APIError.notFound(info, name) }
            change(&new)
            return new
        }.object
    }

    /// Deletes an object (namespaces take their contents, CRDs their kind and objects).
    public func delete(_ resource: GroupVersionResource, namespace: String?, name: String) throws {
        guard let info = core.store.resource(group: resource.group, version: resource.version, plural: resource.resource) else {
            throw ControlError(description: "unknown resource \(resource)")
        }
        _ = try core.store.delete(info, namespace: namespace, name: name)
    }

    public func injectFault(_ fault: Fault) { core.faults.add(fault) }
    public func clearFaults() { core.faults.clear() }
    public var faults: [Fault] { core.faults.active }

    /// Ends every open watch now; returns how many were open.
    @discardableResult
    public func dropWatches() -> Int { core.store.dropAllWatches() }
    public var openWatches: Int { core.store.openWatchCount }
    /// Open watches that have been open for at least `age` (a client treats a watch that ends
    /// sooner after it started as a server closing too fast, and backs off).
    public func openWatches(olderThan age: Duration) -> Int { core.store.openWatchCount(openedBefore: .now - age) }

    /// Forgets the change history: resuming from any older resourceVersion gets 410 Gone.
    @discardableResult
    public func compactHistory() -> Int64 { core.store.compact() }

    public var resourceVersion: Int64 { core.store.currentResourceVersion }
    public var objectCount: Int { core.store.objectCount }

    /// Requests seen, per verb and resource (`kustomizations.kustomize.toolkit.fluxcd.io`, `deployments.apps/status`,
    /// `discovery`). Verbs: get, list, watch, create, update, patch, delete, deletecollection.
    public func requestCounts() -> [RequestCount] { core.counters.snapshot() }
    public func requestCount(verb: String, resource: String? = nil) -> Int { core.counters.count(verb: verb, resource: resource) }
    public func resetRequestCounts() { core.counters.reset() }

    /// Loads a generated fleet (see `FleetGenerator`); returns how many objects were stored.
    @discardableResult
    public func loadFleet(_ options: FleetOptions) throws -> Int {
        var generator = FleetGenerator(options)
        var count = 0
        try generator.generate { object in
            try Self.loadOne(object, namespace: nil, into: core.store)
            count += 1
        }
        return count
    }
}
