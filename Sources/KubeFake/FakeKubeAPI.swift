import Foundation
import KubeCore

/// An in-memory `KubeAPI` for unit tests of code written against the protocol (informers, leader
/// election, event recording, reconcilers), like controller-runtime's fake client: no HTTP, no libcurl.
///
/// It keeps resourceVersions, consistent paginated lists (continue tokens over a snapshot), a watch
/// history with compaction (resuming from before it gets 410 Gone), and lets a test drop watches,
/// inject LIST and write failures, hold LISTs of a resource, slow down Lease calls and count calls.
public final class FakeKubeAPI: KubeAPI {
    private struct Watcher {
        var resource: GroupVersionResource
        var namespace: String?
        var labelSelector: String?
        var continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    }

    private struct State {
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
        var heldLists: Set<GroupVersionResource> = []
    }

    private let state = LockedState(State())

    public init() {}

    public var listCalls: Int { state.withLock { $0.listCalls } }
    public var watchCalls: Int { state.withLock { $0.watchCalls } }
    public var activeWatchers: Int { state.withLock { $0.watchers.count } }

    public func objects(_ resource: GroupVersionResource) -> [String: JSONValue] {
        state.withLock { $0.objects[resource] ?? [:] }
    }

    public func setServedGroups(_ groups: Set<String>) { state.withLock { $0.servedGroups = groups } }
    public func failNextLists(_ errors: [KubeAPIError]) { state.withLock { $0.failLists = errors } }
    public func setFailWrites(_ fail: Bool) { state.withLock { $0.failWrites = fail } }
    public func createCount(_ resource: GroupVersionResource) -> Int { state.withLock { $0.creates[resource, default: 0] } }
    public func patchCount(_ resource: GroupVersionResource) -> Int { state.withLock { $0.patches[resource, default: 0] } }

    /// Ends every open watch normally (like a server-side timeout or a dropped connection).
    public func dropWatches(error: (any Error)? = nil) {
        let watchers = state.withLock { state in
            let watchers = Array(state.watchers.values)
            state.watchers.removeAll()
            return watchers
        }
        for watcher in watchers { watcher.continuation.finish(throwing: error) }
    }

    /// Forgets all history: any resume from an older resourceVersion gets 410 Gone.
    public func compact() {
        state.withLock { state in
            state.compactedThrough = state.rv
            state.history.removeAll()
        }
    }

    /// Sends a BOOKMARK with the current resourceVersion to every watcher.
    public func sendBookmarks() {
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
            if !Self.matches(watcher.labelSelector, object) { continue }
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
    public let leaseLatency = LockedState<Duration?>(nil)

    /// Wakes LISTs waiting on a held resource when it is released.
    private let listRelease = ChangeSignal()

    /// LISTs of `resource` wait until `releaseLists(_:)`: a test orders one cache's sync after others.
    public func holdLists(_ resource: GroupVersionResource) { state.withLock { _ = $0.heldLists.insert(resource) } }

    public func releaseLists(_ resource: GroupVersionResource) {
        state.withLock { _ = $0.heldLists.remove(resource) }
        listRelease.bump()
    }

    private func listHold(_ resource: GroupVersionResource) async throws {
        while true {
            let seen = listRelease.version
            guard state.withLock({ $0.heldLists.contains(resource) }) else { return }
            guard await listRelease.wait(past: seen) != nil else { throw CancellationError() }
        }
    }

    private func leaseDelay(_ resource: GroupVersionResource) async throws {
        guard resource == .leases, let delay = leaseLatency.withLock({ $0 }) else { return }
        try await Task.sleep(for: delay)
    }

    public func get(_ resource: GroupVersionResource, namespace: String?, name: String) async throws -> JSONValue {
        try await leaseDelay(resource)
        guard let object = state.withLock({ $0.objects[resource]?[Self.key(namespace, name)] }) else { throw notFound(name) }
        return object
    }

    public func list(_ resource: GroupVersionResource, namespace: String?, options: ListOptions) async throws -> ObjectList {
        try await listHold(resource)
        return try state.withLock { state in
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
                    .filter { (namespace == nil || $0.namespace == namespace) && Self.matches(options.labelSelector, $0) }
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
            return ObjectList(items: page, resourceVersion: rv, continueToken: token,
                              remainingItemCount: token == nil ? nil : items.count - end)
        }
    }

    public func watch(_ resource: GroupVersionResource, namespace: String?, options: WatchOptions) -> AsyncThrowingStream<WatchEvent, any Error> {
        watch(resource, namespace: namespace, options: options, accepted: {})
    }

    /// Accepted at once (the history it replays is already in the stream), unless the resume point is compacted.
    public func watch(_ resource: GroupVersionResource, namespace: String?, options: WatchOptions,
                      accepted: @escaping @Sendable () -> Void) -> AsyncThrowingStream<WatchEvent, any Error> {
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
                if !Self.matches(options.labelSelector, entry.event.object) { continue }
                continuation.yield(entry.event)
            }
            state.nextWatcher += 1
            state.watchers[state.nextWatcher] = Watcher(resource: resource, namespace: namespace, labelSelector: options.labelSelector, continuation: continuation)
            return state.nextWatcher
        }
        if let id {
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
            }
            accepted()
        }
        return stream
    }

    public func create(_ resource: GroupVersionResource, namespace: String?, object: JSONValue, options: WriteOptions) async throws -> JSONValue {
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

    public func update(_ resource: GroupVersionResource, namespace: String?, object: JSONValue, subresource: String?, options: WriteOptions) async throws -> JSONValue {
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

    public func patch(_ resource: GroupVersionResource, namespace: String?, name: String, patch: Patch, subresource: String?, options: WriteOptions) async throws -> JSONValue {
        try state.withLock { state in
            if state.failWrites { throw KubeAPIError(reason: .serverError, code: 500, message: "injected") }
            let key = Self.key(namespace, name)
            var object: JSONValue
            if let existing = state.objects[resource]?[key] {
                object = Self.mergePatch(existing, patch.body)
            } else if case .apply = patch, subresource == nil {
                // Server-side apply creates what does not exist (field ownership is not modelled:
                // an apply merges like a merge patch).
                object = Self.mergePatch([:], patch.body)
                object["metadata"]["name"] = .string(name)
                if let namespace { object["metadata"]["namespace"] = .string(namespace) }
                object["metadata"]["uid"] = .string(UUID().uuidString)
                object["metadata"]["generation"] = 1
                state.creates[resource, default: 0] += 1
            } else {
                throw notFound(key)
            }
            let created = state.objects[resource]?[key] == nil
            state.rv += 1
            object["metadata"]["resourceVersion"] = .string(String(state.rv))
            state.objects[resource, default: [:]][key] = object
            state.patches[resource, default: 0] += 1
            record(created ? .added : .modified, object, resource, &state)
            return object
        }
    }

    public func delete(_ resource: GroupVersionResource, namespace: String?, name: String) async throws {
        try state.withLock { state in
            let key = Self.key(namespace, name)
            guard var object = state.objects[resource]?.removeValue(forKey: key) else { throw notFound(key) }
            state.rv += 1
            object["metadata"]["resourceVersion"] = .string(String(state.rv))
            record(.deleted, object, resource, &state)
        }
    }

    public func serverVersion() async throws -> ServerVersion {
        ServerVersion(major: "1", minor: "32", gitVersion: "v1.32.0", platform: "linux/amd64")
    }

    public func resources(of groupVersion: GroupVersion) async throws -> [APIResource] {
        guard state.withLock({ $0.servedGroups.contains(groupVersion.group) }) else {
            throw KubeAPIError(reason: .notFound, code: 404, message: "group not served")
        }
        // What the runtime discovers: Events (core and events.k8s.io) and Leases.
        switch groupVersion.group {
        case "coordination.k8s.io":
            return [APIResource(name: "leases", namespaced: true, kind: "Lease", verbs: ["get", "create", "update"])]
        default:
            return [APIResource(name: "events", namespaced: true, kind: "Event", verbs: ["create", "patch"])]
        }
    }

    public func serverGroups() async throws -> [APIGroup] {
        state.withLock { $0.servedGroups }.map { APIGroup(name: $0, versions: ["v1"], preferredVersion: "v1") }
    }

    /// Equality-based label selectors (`a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated), as the
    /// runtime uses them; set-based ones are not modelled and match nothing.
    static func matches(_ selector: String?, _ object: JSONValue) -> Bool {
        guard let selector, !selector.isEmpty else { return true }
        let labels = object[path: "metadata", "labels"]
        for term in selector.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if let range = term.range(of: "!=") {
                if labels[String(term[..<range.lowerBound])].string == String(term[range.upperBound...]) { return false }
            } else if let range = term.range(of: "==") ?? term.range(of: "=") {
                if labels[String(term[..<range.lowerBound])].string != String(term[range.upperBound...]) { return false }
            } else if term.hasPrefix("!") {
                if labels[String(term.dropFirst())].string != nil { return false }
            } else if term.contains(" ") || term.contains("(") {
                return false
            } else if labels[term].string == nil {
                return false
            }
        }
        return true
    }

    public static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
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
