import Foundation
import KubeClient
import KubeCore

/// An in-memory `KubeAPI` with resourceVersions, consistent paginated lists, watch history with
/// compaction (410), dropped watches, injected failures and call counters.
final class FakeKubeAPI: KubeAPI {
    struct Watcher {
        var resource: GroupVersionResource
        var namespace: String?
        var continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    }

    struct State {
        var rv = 100
        var objects: [GroupVersionResource: [String: JSONValue]] = [:]
        var history: [(rv: Int, resource: GroupVersionResource, event: WatchEvent)] = []
        var compactedThrough = 0
        var watchers: [Int: Watcher] = [:]
        var nextWatcher = 0
        var snapshots: [String: (items: [JSONValue], rv: String)] = [:]
        var listCalls = 0
        var watchCalls = 0
        var failLists: [KubeAPIError] = []
        var servedGroups: Set<String> = ["", "events.k8s.io", "coordination.k8s.io"]
        var creates: [GroupVersionResource: Int] = [:]
        var patches: [GroupVersionResource: Int] = [:]
        var failWrites = false
    }

    let state = LockedState(State())

    var listCalls: Int { state.withLock { $0.listCalls } }
    var watchCalls: Int { state.withLock { $0.watchCalls } }
    var activeWatchers: Int { state.withLock { $0.watchers.count } }

    func objects(_ resource: GroupVersionResource) -> [String: JSONValue] {
        state.withLock { $0.objects[resource] ?? [:] }
    }

    func setServedGroups(_ groups: Set<String>) { state.withLock { $0.servedGroups = groups } }
    func failNextLists(_ errors: [KubeAPIError]) { state.withLock { $0.failLists = errors } }
    func setFailWrites(_ fail: Bool) { state.withLock { $0.failWrites = fail } }
    func createCount(_ resource: GroupVersionResource) -> Int { state.withLock { $0.creates[resource, default: 0] } }
    func patchCount(_ resource: GroupVersionResource) -> Int { state.withLock { $0.patches[resource, default: 0] } }

    /// Ends every open watch normally (like a server-side timeout or a dropped connection).
    func dropWatches(error: (any Error)? = nil) {
        let watchers = state.withLock { state in
            let watchers = Array(state.watchers.values)
            state.watchers.removeAll()
            return watchers
        }
        for watcher in watchers { watcher.continuation.finish(throwing: error) }
    }

    /// Forgets all history: any resume from an older resourceVersion gets 410 Gone.
    func compact() {
        state.withLock { state in
            state.compactedThrough = state.rv
            state.history.removeAll()
        }
    }

    /// Sends a BOOKMARK with the current resourceVersion to every watcher.
    func sendBookmarks() {
        state.withLock { state in
            let event = WatchEvent(type: .bookmark, object: ["metadata": ["resourceVersion": .string(String(state.rv))]])
            for watcher in state.watchers.values { watcher.continuation.yield(event) }
        }
    }

    // MARK: writes that notify watchers

    private func record(_ type: WatchEvent.EventType, _ object: JSONValue, _ resource: GroupVersionResource, _ state: inout State) {
        let event = WatchEvent(type: type, object: object)
        state.history.append((Int(object.resourceVersion ?? "") ?? 0, resource, event))
        if state.history.count > 50_000 { state.history.removeFirst(10_000) }
        for watcher in state.watchers.values where watcher.resource == resource {
            if let ns = watcher.namespace, ns != (object.namespace ?? "") { continue }
            watcher.continuation.yield(event)
        }
    }

    private static func key(_ namespace: String?, _ name: String) -> String {
        if let namespace, !namespace.isEmpty { return "\(namespace)/\(name)" }
        return name
    }

    private func conflict(_ message: String) -> KubeAPIError { KubeAPIError(reason: .conflict, code: 409, message: message) }
    private func notFound(_ name: String) -> KubeAPIError { KubeAPIError(reason: .notFound, code: 404, message: "\(name) not found") }

    // MARK: KubeAPI

    /// While set, every Lease GET and PUT first waits this long (a slow or partitioned API server).
    let leaseLatency = LockedState<Duration?>(nil)

    private func leaseDelay(_ resource: GroupVersionResource) async throws {
        guard resource == .leases, let delay = leaseLatency.withLock({ $0 }) else { return }
        try await Task.sleep(for: delay)
    }

    func get(_ resource: GroupVersionResource, namespace: String?, name: String) async throws -> JSONValue {
        try await leaseDelay(resource)
        guard let object = state.withLock({ $0.objects[resource]?[Self.key(namespace, name)] }) else { throw notFound(name) }
        return object
    }

    func list(_ resource: GroupVersionResource, namespace: String?, options: ListOptions) async throws -> ObjectList {
        try state.withLock { state in
            state.listCalls += 1
            if !state.failLists.isEmpty { throw state.failLists.removeFirst() }
            let limit = options.limit ?? Int.max
            var items: [JSONValue]
            var rv: String
            var offset = 0
            if let token = options.continueToken, !token.isEmpty {
                let parts = token.split(separator: ":")
                guard parts.count == 2, let snapshot = state.snapshots[String(parts[0])], let start = Int(parts[1]) else {
                    throw KubeAPIError(reason: .gone, code: 410, message: "continue token expired")
                }
                items = snapshot.items
                rv = snapshot.rv
                offset = start
            } else {
                items = (state.objects[resource] ?? [:]).values
                    .filter { namespace == nil || $0.namespace == namespace }
                    .sorted { $0.objectKey < $1.objectKey }
                rv = String(state.rv)
            }
            let end = min(items.count, offset + limit)
            let page = Array(items[offset..<end])
            var token: String?
            if end < items.count {
                let id = UUID().uuidString
                state.snapshots[id] = (items, rv)
                token = "\(id):\(end)"
            }
            return ObjectList(items: page, resourceVersion: rv, continueToken: token)
        }
    }

    func watch(_ resource: GroupVersionResource, namespace: String?, options: WatchOptions) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        let id: Int? = state.withLock { state in
            state.watchCalls += 1
            let from = Int(options.resourceVersion ?? "") ?? state.rv
            if from < state.compactedThrough {
                continuation.finish(throwing: KubeAPIError(reason: .gone, code: 410, message: "too old resource version"))
                return nil
            }
            for entry in state.history where entry.rv > from && entry.resource == resource {
                if let ns = namespace, ns != (entry.event.object.namespace ?? "") { continue }
                continuation.yield(entry.event)
            }
            state.nextWatcher += 1
            state.watchers[state.nextWatcher] = Watcher(resource: resource, namespace: namespace, continuation: continuation)
            return state.nextWatcher
        }
        if let id {
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
            }
        }
        return stream
    }

    func create(_ resource: GroupVersionResource, namespace: String?, object: JSONValue, options: WriteOptions) async throws -> JSONValue {
        try state.withLock { state in
            if state.failWrites { throw KubeAPIError(reason: .serverError, code: 500, message: "injected") }
            var object = object
            if let namespace { object["metadata"]["namespace"] = .string(namespace) }
            let key = Self.key(namespace, object.name)
            if state.objects[resource]?[key] != nil {
                throw KubeAPIError(reason: .alreadyExists, code: 409, message: "\(key) already exists")
            }
            state.rv += 1
            object["metadata"]["resourceVersion"] = .string(String(state.rv))
            object["metadata"]["uid"] = .string(UUID().uuidString)
            object["metadata"]["generation"] = 1
            state.objects[resource, default: [:]][key] = object
            state.creates[resource, default: 0] += 1
            record(.added, object, resource, &state)
            return object
        }
    }

    func update(_ resource: GroupVersionResource, namespace: String?, object: JSONValue, subresource: String?, options: WriteOptions) async throws -> JSONValue {
        try await leaseDelay(resource)
        return try state.withLock { state in
            if state.failWrites { throw KubeAPIError(reason: .serverError, code: 500, message: "injected") }
            let key = Self.key(namespace, object.name)
            guard let existing = state.objects[resource]?[key] else { throw notFound(key) }
            if let rv = object.resourceVersion, !rv.isEmpty, rv != existing.resourceVersion {
                throw conflict("the object has been modified")
            }
            var object = object
            state.rv += 1
            object["metadata"]["resourceVersion"] = .string(String(state.rv))
            object["metadata"]["uid"] = existing[path: "metadata", "uid"]
            if object["spec"] != existing["spec"] {
                object["metadata"]["generation"] = .int((existing.generation ?? 1) + 1)
            } else {
                object["metadata"]["generation"] = .int(existing.generation ?? 1)
            }
            state.objects[resource, default: [:]][key] = object
            record(.modified, object, resource, &state)
            return object
        }
    }

    func patch(_ resource: GroupVersionResource, namespace: String?, name: String, patch: Patch, subresource: String?, options: WriteOptions) async throws -> JSONValue {
        try state.withLock { state in
            if state.failWrites { throw KubeAPIError(reason: .serverError, code: 500, message: "injected") }
            let key = Self.key(namespace, name)
            guard var object = state.objects[resource]?[key] else { throw notFound(key) }
            object = Self.mergePatch(object, patch.body)
            state.rv += 1
            object["metadata"]["resourceVersion"] = .string(String(state.rv))
            state.objects[resource, default: [:]][key] = object
            state.patches[resource, default: 0] += 1
            record(.modified, object, resource, &state)
            return object
        }
    }

    func delete(_ resource: GroupVersionResource, namespace: String?, name: String) async throws {
        try state.withLock { state in
            let key = Self.key(namespace, name)
            guard var object = state.objects[resource]?.removeValue(forKey: key) else { throw notFound(key) }
            state.rv += 1
            object["metadata"]["resourceVersion"] = .string(String(state.rv))
            record(.deleted, object, resource, &state)
        }
    }

    func serverVersion() async throws -> ServerVersion {
        ServerVersion(major: "1", minor: "32", gitVersion: "v1.32.0", platform: "linux/amd64")
    }

    func resources(of groupVersion: GroupVersion) async throws -> [APIResource] {
        guard state.withLock({ $0.servedGroups.contains(groupVersion.group) }) else {
            throw KubeAPIError(reason: .notFound, code: 404, message: "group not served")
        }
        return [APIResource(name: "events", namespaced: true, kind: "Event", verbs: ["create", "patch"])]
    }

    func serverGroups() async throws -> [APIGroup] {
        state.withLock { $0.servedGroups }.map { APIGroup(name: $0, versions: ["v1"], preferredVersion: "v1") }
    }

    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchFields) = patch else { return patch }
        var result: JSONValue = target.object == nil ? [:] : target
        for (key, value) in patchFields {
            if value.isNull {
                result[key] = .null
            } else {
                result[key] = mergePatch(result[key], value)
            }
        }
        return result
    }
}
