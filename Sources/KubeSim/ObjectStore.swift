import DequeModule
import KubeCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How a write treats `.status` (Kubernetes status-subresource rules).
enum WriteMode: Sendable {
    /// The main endpoint: for kinds with a status subresource, `.status` changes are ignored.
    case main
    /// The `/status` subresource: only `.status` changes.
    case status
    /// The control API: everything is kept as given (fixtures carry their status).
    case control
}

/// The simulated etcd + watch cache: every object, one global resourceVersion counter, a bounded
/// history of changes for watch resumes, and the open watches.
///
/// One `LockedState` guards everything so that a write, its resourceVersion and its fan-out to watchers are
/// atomic (watchers see events in resourceVersion order with no gaps). Objects are kept serialized:
/// list and watch responses copy bytes, and only writes decode.
final class ObjectStore: Sendable {
    struct StoredObject: Sendable {
        var bytes: [UInt8]
        var labels: [String: String]
        var apiVersion: String
        var rv: Int64
    }

    struct Bucket: Sendable {
        var objects: [String: StoredObject] = [:]
        /// Keys in order, rebuilt lazily after inserts/deletes (pagination needs a stable order).
        var sortedKeys: [String]?
    }

    struct Change: Sendable {
        var rv: Int64
        var storeKey: String
        var type: WatchEvent.EventType
        var namespace: String
        var name: String
        var object: StoredObject
        /// For MODIFIED: the labels before, so label-selected watches see objects enter and leave.
        var previousLabels: [String: String]? = nil
    }

    struct Watcher: Sendable {
        var storeKey: String
        var namespace: String?
        var labels: LabelSelector
        var fields: FieldSelector
        var apiVersion: String
        var kind: String
        var continuation: AsyncStream<[UInt8]>.Continuation
        var opened = ContinuousClock.now
    }

    struct State: Sendable {
        var rv: Int64 = 1
        var resources: [String: ResourceInfo] = [:]
        var buckets: [String: Bucket] = [:]
        var history: Deque<Change> = []
        var historyLimit: Int
        /// Oldest resourceVersion a watch may resume from; older ones get 410 Gone.
        var compactedRV: Int64 = 1
        var watchers: [Int: Watcher] = [:]
        var nextWatcherID = 1
        /// Watches to end once the lock is released (finishing runs `onTermination`, which locks).
        var toFinish: [AsyncStream<[UInt8]>.Continuation] = []
    }

    /// Ends the watches queued while the lock was held.
    private func finishPending() {
        let pending = state.withLock { s -> [AsyncStream<[UInt8]>.Continuation] in
            defer { s.toFinish.removeAll() }
            return s.toFinish
        }
        for c in pending { c.finish() }
    }

    let state: LockedState<State>
    /// Admission checks run before a create/update is stored (e.g. the FluxReport name rule).
    let admission: Admission

    init(historyLimit: Int, admission: Admission = Admission()) {
        var s = State(historyLimit: max(historyLimit, 1))
        for info in ResourceInfo.builtIns { s.resources[info.storeKey] = info }
        state = LockedState(s)
        self.admission = admission
    }

    // MARK: - Resources

    var resources: [ResourceInfo] { state.withLock { Array($0.resources.values) } }

    func resource(group: String, version: String, plural: String) -> ResourceInfo? {
        state.withLock { s in
            let key = group.isEmpty ? plural : "\(plural).\(group)"
            guard let info = s.resources[key], info.versions.contains(version) else { return nil }
            return info
        }
    }

    func resource(storeKey: String) -> ResourceInfo? { state.withLock { $0.resources[storeKey] } }

    /// The resource serving `apiVersion`/`kind`, for fixture loading.
    func resource(apiVersion: String, kind: String) -> ResourceInfo? {
        let gv = GroupVersion(apiVersion: apiVersion)
        return state.withLock { s in
            s.resources.values.first { $0.group == gv.group && $0.kind == kind && $0.versions.contains(gv.version) }
        }
    }

    var currentResourceVersion: Int64 { state.withLock { $0.rv } }

    // MARK: - Reads

    func get(_ info: ResourceInfo, namespace: String?, name: String, version: String) throws(APIError) -> [UInt8] {
        let key = Self.key(info, namespace, name)
        let stored = state.withLock { $0.buckets[info.storeKey]?.objects[key] }
        guard let stored else { throw APIError.notFound(info, name) }
        return Self.bytes(stored, servedAs: info.apiVersion(version))
    }

    func getObject(_ info: ResourceInfo, namespace: String?, name: String) -> JSONValue? {
        let key = Self.key(info, namespace, name)
        guard let stored = state.withLock({ $0.buckets[info.storeKey]?.objects[key] }) else { return nil }
        return try? JSONValue.parse(stored.bytes)
    }

    struct ListPage {
        var body: [UInt8]
        var count: Int
    }

    /// One page of a list, as the complete `<Kind>List` JSON body.
    func list(_ info: ResourceInfo, version: String, namespace: String?, labels: LabelSelector, fields: FieldSelector,
              limit: Int?, continueToken: String?) throws(APIError) -> ListPage {
        var start: String?
        var listRV: Int64?
        if let token = continueToken, !token.isEmpty {
            guard let decoded = ContinueToken.decode(token) else { throw APIError.badRequest("invalid continue token") }
            start = decoded.key
            listRV = decoded.rv
        }
        let apiVersion = info.apiVersion(version)
        return try state.withLock { s throws(APIError) -> ListPage in
            if let listRV, listRV < s.compactedRV {
                throw APIError.gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
            }
            let rv = listRV ?? s.rv
            // Mutate buckets in place: copying one out and back would copy its dictionary (O(n) per call).
            let keys: [String]
            if let sorted = s.buckets[info.storeKey]?.sortedKeys {
                keys = sorted
            } else {
                keys = s.buckets[info.storeKey]?.objects.keys.sorted() ?? []
                s.buckets[info.storeKey]?.sortedKeys = keys
            }
            let bucket = s.buckets[info.storeKey] ?? Bucket()
            var index = 0
            if let start {
                index = Self.upperBound(keys, start)
            } else if let ns = namespace, info.namespaced {
                index = Self.lowerBound(keys, ns + "/")
            }
            let prefix = namespace.flatMap { info.namespaced ? $0 + "/" : nil }
            var body: [UInt8] = []
            body.reserveCapacity(min(keys.count - index, limit ?? keys.count) * 1024 + 256)
            body.append(contentsOf: "{\"apiVersion\":\"\(info.apiVersion(version))\",\"items\":[".utf8)
            var count = 0
            var lastKey: String?
            var remaining = 0
            let plain = labels.isEmpty && fields.isEmpty
            while index < keys.count {
                let key = keys[index]
                index += 1
                if let prefix, !key.hasPrefix(prefix) { break }
                guard let obj = bucket.objects[key] else { continue }
                if !Self.matches(obj, key: key, labels: labels, fields: fields) { continue }
                if let limit, limit > 0, count >= limit {
                    // Count what is left only when that is cheap to state exactly, like Kubernetes.
                    if plain {
                        remaining = 1
                        while index < keys.count {
                            if let prefix, !keys[index].hasPrefix(prefix) { break }
                            remaining += 1
                            index += 1
                        }
                    } else {
                        remaining = -1
                    }
                    break
                }
                if count > 0 { body.append(UInt8(ascii: ",")) }
                body.append(contentsOf: Self.bytes(obj, servedAs: apiVersion))
                count += 1
                lastKey = key
            }
            body.append(contentsOf: "],\"kind\":\"\(info.listKind)\",\"metadata\":{".utf8)
            if remaining != 0, let lastKey {
                body.append(contentsOf: "\"continue\":\"\(ContinueToken.encode(rv: rv, key: lastKey))\",".utf8)
                if remaining > 0 { body.append(contentsOf: "\"remainingItemCount\":\(remaining),".utf8) }
            }
            body.append(contentsOf: "\"resourceVersion\":\"\(rv)\"}}".utf8)
            return ListPage(body: body, count: count)
        }
    }

    static func matches(_ obj: StoredObject, key: String, labels: LabelSelector, fields: FieldSelector) -> Bool {
        if !labels.isEmpty && !labels.matches(obj.labels) { return false }
        if !fields.isEmpty {
            let (ns, name) = splitKey(key)
            return fields.matches(name: name, namespace: ns) { (try? JSONValue.parse(obj.bytes)) ?? .null }
        }
        return true
    }

    // MARK: - Writes

    /// Creates, updates or deletes one object atomically. `body` gets the current object (nil when
    /// absent) and returns the desired object, or nil to leave things as they are.
    /// Returns the stored object and whether it was created.
    @discardableResult
    func write(_ info: ResourceInfo, namespace: String?, name: String, mode: WriteMode,
               autoCreateNamespace: Bool = false,
               _ body: (JSONValue?) throws(APIError) -> JSONValue?) throws(APIError) -> (object: JSONValue, created: Bool) {
        let ns = info.namespaced ? (namespace ?? "") : ""
        let key = Self.key(info, ns, name)
        defer { finishPending() }
        return try state.withLock { s throws(APIError) -> (object: JSONValue, created: Bool) in
            guard s.resources[info.storeKey] != nil else { throw APIError.notFoundPath(info.storeKey) }
            let oldStored = s.buckets[info.storeKey]?.objects[key]
            let old = oldStored.flatMap { try? JSONValue.parse($0.bytes) }
            guard var new = try body(old) else {
                guard let old else { throw APIError.notFound(info, name) }
                return (old, false)
            }
            new["metadata"]["name"] = .string(name)
            if info.namespaced { new["metadata"]["namespace"] = .string(ns) } else { new["metadata"]["namespace"] = .null }
            if new["kind"].isNull { new["kind"] = .string(info.kind) }
            if new["apiVersion"].isNull { new["apiVersion"] = .string(info.apiVersion(info.storageVersion)) }
            try Self.validateName(info, name)
            try EventValidation.validate(info, new)
            if let old {
                new = Self.applyStatusRules(info, old: old, new: new, mode: mode)
                // Identity and bookkeeping belong to the server.
                new["metadata"]["uid"] = old[path: "metadata", "uid"]
                new["metadata"]["creationTimestamp"] = old[path: "metadata", "creationTimestamp"]
                new["metadata"]["resourceVersion"] = old[path: "metadata", "resourceVersion"]
                new["metadata"]["generation"] = old[path: "metadata", "generation"]
                if info.hasGeneration, Self.specChanged(old, new) {
                    new["metadata"]["generation"] = .int((old.generation ?? 0) + 1)
                }
                if info.storeKey == ResourceInfo.crdStoreKey { new = try Self.crdWithStatus(new, s: s) }
                if Self.sameIgnoringManagedTimes(old, new) { return (old, false) }
            } else {
                guard mode != .status else { throw APIError.notFound(info, name) }
                if info.namespaced {
                    guard !ns.isEmpty else { throw APIError.badRequest("a namespace is required for \(info.qualifiedName)") }
                    if s.buckets[ResourceInfo.namespaceStoreKey]?.objects[ns] == nil {
                        guard autoCreateNamespace, let nsInfo = s.resources[ResourceInfo.namespaceStoreKey] else {
                            throw APIError(code: 404, reason: "NotFound", message: "namespaces \"\(ns)\" not found",
                                           details: Status.Details(name: ns, group: "", kind: "namespaces"))
                        }
                        let nsObject: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)],
                                                   "spec": ["finalizers": ["kubernetes"]], "status": ["phase": "Active"]]
                        Self.store(&s, nsInfo, key: ns, object: Self.initialized(nsObject, info: nsInfo, s: &s), type: .added)
                    }
                }
                if mode == .main && info.hasStatus && info.storeKey != ResourceInfo.namespaceStoreKey { new["status"] = .null }
                if info.storeKey == ResourceInfo.namespaceStoreKey, new["status"].isNull { new["status"] = ["phase": "Active"] }
                new = Self.initialized(new, info: info, s: &s)
                if info.storeKey == ResourceInfo.crdStoreKey { new = try Self.crdWithStatus(new, s: s) }
            }
            try admission.validate(info, new)
            s.rv += 1
            new["metadata"]["resourceVersion"] = .string(String(s.rv))
            Self.store(&s, info, key: key, object: new, type: old == nil ? .added : .modified)
            if info.storeKey == ResourceInfo.crdStoreKey { Self.registerCRD(&s, new, previous: old) }
            if let other = EventMirror.counterpart(of: info.storeKey), let otherInfo = s.resources[other] {
                let existed = s.buckets[other]?.objects[key] != nil
                Self.store(&s, otherInfo, key: key, object: EventMirror.convert(new, from: info.storeKey), type: existed ? .modified : .added)
            }
            return (new, old == nil)
        }
    }

    /// Deletes one object (and, for a namespace, everything in it; for a CRD, its kind and objects).
    func delete(_ info: ResourceInfo, namespace: String?, name: String, precondition: (uid: String?, rv: String?) = (nil, nil)) throws(APIError) -> JSONValue {
        let ns = info.namespaced ? (namespace ?? "") : ""
        let key = Self.key(info, ns, name)
        defer { finishPending() }
        return try state.withLock { s throws(APIError) -> JSONValue in
            guard let stored = s.buckets[info.storeKey]?.objects[key], var object = try? JSONValue.parse(stored.bytes) else {
                throw APIError.notFound(info, name)
            }
            if let uid = precondition.uid, uid != object.uid {
                throw APIError.conflict(info, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(object.uid)")
            }
            if let rv = precondition.rv, rv != object.resourceVersion {
                throw APIError.conflict(info, name, "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(object.resourceVersion ?? "")")
            }
            if info.storeKey == ResourceInfo.namespaceStoreKey {
                for (storeKey, bucket) in s.buckets {
                    guard let r = s.resources[storeKey], r.namespaced else { continue }
                    for k in bucket.objects.keys where k.hasPrefix(name + "/") { Self.remove(&s, r, key: k) }
                }
            }
            if info.storeKey == ResourceInfo.crdStoreKey, let served = ResourceInfo.fromCRD(object),
               s.resources[served.storeKey]?.crdName == object.name {
                Self.unregister(&s, served)
            }
            object = Self.remove(&s, info, key: key) ?? object
            if let other = EventMirror.counterpart(of: info.storeKey), let otherInfo = s.resources[other] {
                _ = Self.remove(&s, otherInfo, key: key)
            }
            return object
        }
    }

    // MARK: - Watch

    struct WatchRequest: Sendable {
        var info: ResourceInfo
        var version: String
        var namespace: String?
        var labels: LabelSelector
        var fields: FieldSelector
        var resourceVersion: String?
    }

    /// Opens a watch. The stream yields complete JSON lines; it finishes when the watch is closed
    /// (timeout, drop, CRD removal, stop) and is finished right after an ERROR line.
    func watch(_ request: WatchRequest) -> (id: Int, stream: AsyncStream<[UInt8]>) {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .unbounded)
        let apiVersion = request.info.apiVersion(request.version)
        let id = state.withLock { s -> Int in
            let id = s.nextWatcherID
            s.nextWatcherID += 1
            let watcher = Watcher(storeKey: request.info.storeKey, namespace: request.info.namespaced ? request.namespace : nil,
                                  labels: request.labels, fields: request.fields, apiVersion: apiVersion,
                                  kind: request.info.kind, continuation: continuation)
            let rvText = request.resourceVersion ?? ""
            if rvText.isEmpty || rvText == "0" {
                // Synthetic ADDED events for the current state, then live events.
                if let bucket = s.buckets[request.info.storeKey] {
                    for key in (bucket.sortedKeys ?? bucket.objects.keys.sorted()) {
                        guard let obj = bucket.objects[key] else { continue }
                        let (ns, name) = Self.splitKey(key)
                        let change = Change(rv: obj.rv, storeKey: watcher.storeKey, type: .added, namespace: ns, name: name, object: obj)
                        if let type = Self.eventType(watcher, change) { continuation.yield(Self.line(change, type, for: watcher)) }
                    }
                }
            } else if let from = Int64(rvText) {
                if from < s.compactedRV {
                    let status = APIError.gone("too old resource version: \(from) (\(s.compactedRV))").status.json
                    var line: [UInt8] = Array("{\"type\":\"ERROR\",\"object\":".utf8)
                    line += status.serialized()
                    line += Array("}\n".utf8)
                    continuation.yield(line)
                    continuation.finish()
                    return id
                }
                for change in s.history where change.rv > from {
                    if let type = Self.eventType(watcher, change) { continuation.yield(Self.line(change, type, for: watcher)) }
                }
            } else {
                let status = APIError.badRequest("invalid resourceVersion \"\(rvText)\"").status.json
                continuation.yield(Array("{\"type\":\"ERROR\",\"object\":".utf8) + status.serialized() + Array("}\n".utf8))
                continuation.finish()
                return id
            }
            s.watchers[id] = watcher
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.removeWatcher(id) }
        return (id, stream)
    }

    /// Queues a BOOKMARK at the current resourceVersion; ordered after every event already sent.
    func bookmark(_ id: Int) {
        state.withLock { s in
            guard let w = s.watchers[id] else { return }
            let object: JSONValue = ["kind": .string(w.kind), "apiVersion": .string(w.apiVersion),
                                     "metadata": ["resourceVersion": .string(String(s.rv))]]
            w.continuation.yield(Array("{\"type\":\"BOOKMARK\",\"object\":".utf8) + object.serialized() + Array("}\n".utf8))
        }
    }

    func closeWatch(_ id: Int) {
        let w = state.withLock { $0.watchers.removeValue(forKey: id) }
        w?.continuation.finish()
    }

    func removeWatcher(_ id: Int) { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }

    /// Ends every open watch now (clients must re-watch).
    @discardableResult
    func dropAllWatches() -> Int {
        let all = state.withLock { s -> [Watcher] in
            let all = Array(s.watchers.values)
            s.watchers.removeAll()
            return all
        }
        for w in all { w.continuation.finish() }
        return all.count
    }

    var openWatchCount: Int { state.withLock { $0.watchers.count } }

    func openWatchCount(openedBefore instant: ContinuousClock.Instant) -> Int {
        state.withLock { $0.watchers.values.count { $0.opened < instant } }
    }

    /// Forgets the change history: any watch resuming from an older resourceVersion gets 410.
    func compact() -> Int64 {
        state.withLock { s in
            s.history.removeAll()
            s.compactedRV = s.rv
            return s.rv
        }
    }

    var objectCount: Int { state.withLock { $0.buckets.values.reduce(0) { $0 + $1.objects.count } } }

    // MARK: - Helpers (all called with the lock held)

    static func key(_ info: ResourceInfo, _ namespace: String?, _ name: String) -> String {
        info.namespaced ? "\(namespace ?? "")/\(name)" : name
    }

    static func splitKey(_ key: String) -> (namespace: String, name: String) {
        guard let slash = key.firstIndex(of: "/") else { return ("", key) }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }

    static func lowerBound(_ keys: [String], _ value: String) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi { let mid = (lo + hi) / 2; if keys[mid] < value { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    static func upperBound(_ keys: [String], _ value: String) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi { let mid = (lo + hi) / 2; if keys[mid] <= value { lo = mid + 1 } else { hi = mid } }
        return lo
    }

    static func bytes(_ obj: StoredObject, servedAs apiVersion: String) -> [UInt8] {
        guard obj.apiVersion != apiVersion, var value = try? JSONValue.parse(obj.bytes) else { return obj.bytes }
        value["apiVersion"] = .string(apiVersion)
        return value.serialized()
    }

    static func line(_ change: Change, _ type: WatchEvent.EventType, for watcher: Watcher) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(change.object.bytes.count + 40)
        out.append(contentsOf: "{\"type\":\"\(type.rawValue)\",\"object\":".utf8)
        out.append(contentsOf: bytes(change.object, servedAs: watcher.apiVersion))
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// The event a watcher sees for a change, if any. Like Kubernetes, a modification that moves an
    /// object into a label selector is an ADDED, out of it a DELETED.
    static func eventType(_ w: Watcher, _ change: Change) -> WatchEvent.EventType? {
        guard w.storeKey == change.storeKey else { return nil }
        if let ns = w.namespace, !ns.isEmpty, ns != change.namespace { return nil }
        if change.type == .modified, !w.labels.isEmpty, let before = change.previousLabels {
            let now = wants(w, change)
            let was = w.labels.matches(before)
            switch (was, now) {
            case (true, true): return .modified
            case (false, true): return .added
            case (true, false): return .deleted
            case (false, false): return nil
            }
        }
        return wants(w, change) ? change.type : nil
    }

    static func wants(_ w: Watcher, _ change: Change) -> Bool {
        guard w.storeKey == change.storeKey else { return false }
        if let ns = w.namespace, !ns.isEmpty, ns != change.namespace { return false }
        if !w.labels.isEmpty && !w.labels.matches(change.object.labels) { return false }
        if !w.fields.isEmpty {
            return w.fields.matches(name: change.name, namespace: change.namespace) { (try? JSONValue.parse(change.object.bytes)) ?? .null }
        }
        return true
    }

    static func store(_ s: inout State, _ info: ResourceInfo, key: String, object: JSONValue, type: WatchEvent.EventType) {
        let stored = StoredObject(bytes: object.serialized(), labels: object.labels,
                                  apiVersion: object.apiVersion ?? info.apiVersion(info.storageVersion),
                                  rv: Int64(object.resourceVersion ?? "") ?? s.rv)
        let previous = s.buckets[info.storeKey, default: Bucket()].objects.updateValue(stored, forKey: key)
        if previous == nil { s.buckets[info.storeKey]?.sortedKeys = nil }
        let (ns, name) = splitKey(key)
        record(&s, Change(rv: stored.rv, storeKey: info.storeKey, type: type, namespace: ns, name: name, object: stored,
                          previousLabels: previous?.labels))
    }

    @discardableResult
    static func remove(_ s: inout State, _ info: ResourceInfo, key: String) -> JSONValue? {
        guard let old = s.buckets[info.storeKey]?.objects.removeValue(forKey: key) else { return nil }
        s.buckets[info.storeKey]?.sortedKeys = nil
        s.rv += 1
        var object = (try? JSONValue.parse(old.bytes)) ?? .null
        object["metadata"]["resourceVersion"] = .string(String(s.rv))
        let stored = StoredObject(bytes: object.serialized(), labels: old.labels, apiVersion: old.apiVersion, rv: s.rv)
        let (ns, name) = splitKey(key)
        record(&s, Change(rv: s.rv, storeKey: info.storeKey, type: .deleted, namespace: ns, name: name, object: stored))
        return object
    }

    static func record(_ s: inout State, _ change: Change) {
        s.history.append(change)
        while s.history.count > s.historyLimit, let first = s.history.popFirst() { s.compactedRV = first.rv }
        for w in s.watchers.values {
            if let type = eventType(w, change) { w.continuation.yield(line(change, type, for: w)) }
        }
    }

    static func initialized(_ object: JSONValue, info: ResourceInfo, s: inout State) -> JSONValue {
        var new = object
        new["metadata"]["uid"] = .string(UUID().uuidString.lowercased())
        if new[path: "metadata", "creationTimestamp"].isNull {
            new["metadata"]["creationTimestamp"] = .string(Timestamp.rfc3339(Date()))
        }
        new["metadata"]["generation"] = info.hasGeneration ? .int(1) : .null
        new["metadata"]["resourceVersion"] = .null
        return new
    }

    static func applyStatusRules(_ info: ResourceInfo, old: JSONValue, new: JSONValue, mode: WriteMode) -> JSONValue {
        switch mode {
        case .control: return new
        case .main:
            guard info.hasStatus else { return new }
            var out = new
            out["status"] = old["status"]
            return out
        case .status:
            var out = old
            out["status"] = new["status"]
            out["metadata"]["managedFields"] = new[path: "metadata", "managedFields"]
            return out
        }
    }

    static func specChanged(_ old: JSONValue, _ new: JSONValue) -> Bool {
        var a = old, b = new
        a["metadata"] = .null; a["status"] = .null
        b["metadata"] = .null; b["status"] = .null
        return a != b
    }

    static func sameIgnoringManagedTimes(_ old: JSONValue, _ new: JSONValue) -> Bool {
        func strip(_ v: JSONValue) -> JSONValue {
            var out = v
            if let entries = v[path: "metadata", "managedFields"].array {
                out["metadata"]["managedFields"] = .array(entries.map { var e = $0; e["time"] = .null; return e })
            }
            return out
        }
        return strip(old) == strip(new)
    }

    static func validateName(_ info: ResourceInfo, _ name: String) throws(APIError) {
        guard !name.isEmpty else { throw APIError.invalid(info, name, "metadata.name: Required value: name or generateName is required") }
        let ok = name.count <= 253 && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 || ($0 == 58 && info.group.isEmpty) }
        guard ok, name.first != "-", name.last != "-" else {
            throw APIError.invalid(info, name, "metadata.name: Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")
        }
    }

    /// The status the apiextensions controller would write: names accepted, established.
    static func crdWithStatus(_ crd: JSONValue, s: State) throws(APIError) -> JSONValue {
        guard let served = ResourceInfo.fromCRD(crd) else {
            throw APIError(code: 422, reason: "Invalid",
                           message: "CustomResourceDefinition.apiextensions.k8s.io \"\(crd.name)\" is invalid: spec: Required value: group, names.plural, names.kind and at least one served version are required")
        }
        guard crd.name == "\(served.resource).\(served.group)" else {
            throw APIError(code: 422, reason: "Invalid",
                           message: "CustomResourceDefinition.apiextensions.k8s.io \"\(crd.name)\" is invalid: metadata.name: Invalid value: \"\(crd.name)\": must be spec.names.plural+\".\"+spec.group")
        }
        if let existing = s.resources[served.storeKey], existing.crdName == nil {
            throw APIError(code: 422, reason: "Invalid", message: "\(served.storeKey) is a built-in resource")
        }
        var out = crd
        let now = Timestamp.rfc3339(Date())
        var stored = Set(crd[path: "status", "storedVersions"].array?.compactMap(\.string) ?? [])
        stored.insert(served.storageVersion)
        out["status"] = [
            "acceptedNames": crd[path: "spec", "names"],
            "storedVersions": .array(stored.sorted().map { .string($0) }),
            "conditions": [
                ["type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": .string(now)],
                ["type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": .string(now)],
            ],
        ]
        if let old = crd["status"]["conditions"].array, !old.isEmpty { out["status"]["conditions"] = .array(old) }
        return out
    }

    static func registerCRD(_ s: inout State, _ crd: JSONValue, previous: JSONValue?) {
        guard let served = ResourceInfo.fromCRD(crd) else { return }
        if let previous, let before = ResourceInfo.fromCRD(previous), before.storeKey != served.storeKey {
            unregister(&s, before)
        }
        s.resources[served.storeKey] = served
    }

    static func unregister(_ s: inout State, _ info: ResourceInfo) {
        if let bucket = s.buckets[info.storeKey] {
            for key in bucket.objects.keys { remove(&s, info, key: key) }
        }
        s.buckets[info.storeKey] = nil
        s.resources[info.storeKey] = nil
        for (id, w) in s.watchers where w.storeKey == info.storeKey {
            s.toFinish.append(w.continuation)
            s.watchers[id] = nil
        }
    }
}

/// Opaque `continue` tokens: the list's resourceVersion and the last key returned, hex-encoded.
enum ContinueToken {
    static func encode(rv: Int64, key: String) -> String {
        let raw = "\(rv)|\(key)"
        return raw.utf8.map { b in
            let hex = String(b, radix: 16)
            return b < 16 ? "0" + hex : hex
        }.joined()
    }

    static func decode(_ token: String) -> (rv: Int64, key: String)? {
        let chars = Array(token.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let b = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(b)
            i += 2
        }
        let raw = String(decoding: bytes, as: UTF8.self)
        guard let bar = raw.firstIndex(of: "|"), let rv = Int64(raw[..<bar]) else { return nil }
        return (rv, String(raw[raw.index(after: bar)...]))
    }
}
