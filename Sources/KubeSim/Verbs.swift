import Hummingbird
import KubeCore

/// The Kubernetes verbs on one resource target.
struct Verbs {
    let core: SimCore
    let target: APIServer.Target
    let query: [String: String]
    let headers: HTTPFields

    var info: ResourceInfo { target.info }
    var store: ObjectStore { core.store }
    var contentType: String {
        (headers[.contentType] ?? "application/json").split(separator: ";").first.map { String($0).trimmingSpaces().lowercased() } ?? ""
    }
    /// `fieldManager`, else the user agent's program name (as Kubernetes does for updates).
    var manager: String {
        if let m = query["fieldManager"], !m.isEmpty { return m }
        let agent = headers[.userAgent] ?? "unknown"
        return String(agent.split(separator: "/").first ?? "unknown")
    }

    func get() throws -> Response {
        guard let name = target.name else { throw APIError.methodNotAllowed("GET") }
        let bytes = try store.get(info, namespace: target.namespace, name: name, version: target.version)
        if Tables.wantsTable(headers[.accept]), let object = try? JSONValue.parse(bytes) {
            return HTTPSupport.json(Tables.table(for: [object], listMetadata: [:], info: info, version: target.version, crd: crd))
        }
        return HTTPSupport.bytes(bytes)
    }

    /// The CRD serving this kind, for its printer columns.
    var crd: JSONValue? {
        guard let name = info.crdName, let crdInfo = store.resource(storeKey: ResourceInfo.crdStoreKey) else { return nil }
        return store.getObject(crdInfo, namespace: nil, name: name)
    }

    func list() throws -> Response {
        let labels = try LabelSelector(parsing: query["labelSelector"] ?? "")
        let fields = try FieldSelector(parsing: query["fieldSelector"] ?? "")
        var limit: Int?
        if let raw = query["limit"], !raw.isEmpty {
            guard let l = Int(raw), l >= 0 else { throw APIError.badRequest("invalid limit \"\(raw)\"") }
            limit = l
        }
        let page = try store.list(info, version: target.version, namespace: target.namespace, labels: labels, fields: fields,
                                  limit: limit, continueToken: query["continue"])
        if Tables.wantsTable(headers[.accept]), let list = try? JSONValue.parse(page.body) {
            return HTTPSupport.json(Tables.table(for: list["items"].array ?? [], listMetadata: list["metadata"], info: info,
                                                 version: target.version, crd: crd))
        }
        return HTTPSupport.bytes(page.body)
    }

    func watch() throws -> Response {
        let labels = try LabelSelector(parsing: query["labelSelector"] ?? "")
        let fields = try FieldSelector(parsing: query["fieldSelector"] ?? "")
        var requestedTimeout = core.options.maxWatchTimeoutSeconds
        if let raw = query["timeoutSeconds"], !raw.isEmpty {
            guard let t = Int(raw), t >= 0 else { throw APIError.badRequest("invalid timeoutSeconds \"\(raw)\"") }
            if t > 0 { requestedTimeout = min(t, requestedTimeout) }
        }
        let timeout = requestedTimeout
        let bookmarks = HTTPSupport.isTrue(query["allowWatchBookmarks"])
        let (id, stream) = store.watch(ObjectStore.WatchRequest(
            info: info, version: target.version, namespace: target.namespace, labels: labels, fields: fields,
            resourceVersion: query["resourceVersion"]))
        let store = self.store
        let interval = core.options.bookmarkInterval
        let body = ResponseBody { writer in
            let timer = Task {
                let deadline = ContinuousClock.now + .seconds(timeout)
                while !Task.isCancelled {
                    let next = ContinuousClock.now + interval
                    if next >= deadline {
                        try? await Task.sleep(until: deadline)
                        if Task.isCancelled { return }
                        // A last bookmark before closing lets the client resume exactly here.
                        if bookmarks { store.bookmark(id) }
                        store.closeWatch(id)
                        return
                    }
                    try? await Task.sleep(until: next)
                    if Task.isCancelled { return }
                    if bookmarks { store.bookmark(id) }
                }
            }
            defer {
                timer.cancel()
                store.closeWatch(id)
            }
            for await line in stream {
                try await writer.write(ByteBuffer(bytes: line))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    func decodeBody(_ body: [UInt8]) throws(APIError) -> JSONValue {
        let type = contentType
        guard type == "application/json" || type == "application/yaml" || type == "*/*" || type.isEmpty else {
            throw APIError.unsupportedMediaType(type)
        }
        do {
            let value = try YAMLDocuments.parseOne(body)
            guard case .object = value else { throw APIError.badRequest("the request body must be an object") }
            return value
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("unable to decode the request body: \(error)")
        }
    }

    func checkIdentity(_ object: JSONValue) throws(APIError) {
        let expected = info.apiVersion(target.version)
        if let apiVersion = object.apiVersion, apiVersion != expected {
            throw APIError.badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(expected))")
        }
        if let kind = object.kind, kind != info.kind {
            throw APIError.badRequest("the kind in the data (\(kind)) does not match the expected kind (\(info.kind))")
        }
        if info.namespaced, let ns = object.namespace, !ns.isEmpty, let urlNS = target.namespace, ns != urlNS {
            throw APIError.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
    }

    func create(_ body: [UInt8]) throws -> Response {
        var object = try decodeBody(body)
        try checkIdentity(object)
        var name = object.name
        if name.isEmpty, let prefix = object[path: "metadata", "generateName"].string, !prefix.isEmpty {
            name = prefix + Self.randomSuffix()
        }
        object["apiVersion"] = .string(info.apiVersion(target.version))
        object["kind"] = .string(info.kind)
        let manager = self.manager
        let result = try store.write(info, namespace: target.namespace ?? object.namespace, name: name, mode: .main) { old throws(APIError) in
            if old != nil { throw APIError.alreadyExists(info, name) }
            return ManagedFields.recordUpdate(old: nil, new: object, manager: manager, subresource: nil)
        }
        return HTTPSupport.json(result.object, code: 201)
    }

    func update(_ body: [UInt8]) throws -> Response {
        guard let name = target.name else { throw APIError.methodNotAllowed("PUT") }
        var object = try decodeBody(body)
        try checkIdentity(object)
        if !object.name.isEmpty && object.name != name {
            throw APIError.badRequest("the name of the object (\(object.name)) does not match the name on the URL (\(name))")
        }
        object["apiVersion"] = .string(info.apiVersion(target.version))
        object["kind"] = .string(info.kind)
        let manager = self.manager
        let sub = target.subresource
        let result = try store.write(info, namespace: target.namespace, name: name, mode: sub == nil ? .main : .status) { old throws(APIError) in
            guard let old else { throw APIError.notFound(info, name) }
            if let rv = object.resourceVersion, !rv.isEmpty, rv != old.resourceVersion {
                throw APIError.conflict(info, name, "the object has been modified; please apply your changes to the latest version and try again")
            }
            return ManagedFields.recordUpdate(old: old, new: object, manager: manager, subresource: sub)
        }
        return HTTPSupport.json(result.object)
    }

    func patch(_ body: [UInt8]) throws -> Response {
        guard let name = target.name else { throw APIError.methodNotAllowed("PATCH") }
        let type = contentType
        let sub = target.subresource
        let mode: WriteMode = sub == nil ? .main : .status
        let patchValue: JSONValue
        do {
            patchValue = type == "application/apply-patch+yaml" ? try YAMLDocuments.parseOne(body) : try JSONValue.parse(body)
        } catch {
            throw APIError.badRequest("unable to decode the patch: \(error)")
        }
        if type == "application/apply-patch+yaml" {
            guard let manager = query["fieldManager"], !manager.isEmpty else {
                throw APIError(code: 400, reason: "BadRequest", message: "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
            }
            guard case .object = patchValue else { throw APIError.badRequest("apply patch must be an object") }
            try checkIdentity(patchValue)
            guard patchValue.apiVersion != nil, patchValue.kind != nil else {
                throw APIError.badRequest("apply patch requires apiVersion and kind")
            }
            if !patchValue.name.isEmpty && patchValue.name != name {
                throw APIError.badRequest("the name of the object (\(patchValue.name)) does not match the name on the URL (\(name))")
            }
            let force = HTTPSupport.isTrue(query["force"])
            let result = try store.write(info, namespace: target.namespace, name: name, mode: mode) { old throws(APIError) in
                if let rv = patchValue.resourceVersion, !rv.isEmpty, let old, rv != old.resourceVersion {
                    throw APIError.conflict(info, name, "the object has been modified; please apply your changes to the latest version and try again")
                }
                var applied = patchValue
                applied["metadata"]["resourceVersion"] = .null
                return try ManagedFields.apply(live: old, applied: applied, manager: manager, force: force,
                                               subresource: sub, resource: info, name: name)
            }
            return HTTPSupport.json(result.object, code: result.created ? 201 : 200)
        }
        let manager = self.manager
        let result = try store.write(info, namespace: target.namespace, name: name, mode: mode) { old throws(APIError) in
            guard let old else { throw APIError.notFound(info, name) }
            var patched: JSONValue
            switch type {
            case "application/merge-patch+json", "application/strategic-merge-patch+json":
                if let rv = patchValue.resourceVersion, rv != old.resourceVersion {
                    throw APIError.conflict(info, name, "the object has been modified; please apply your changes to the latest version and try again")
                }
                patched = Patching.mergePatch(old, patchValue)
            case "application/json-patch+json":
                patched = try Patching.jsonPatch(old, patchValue)
            default:
                throw APIError.unsupportedMediaType(type)
            }
            if patched.name != name {
                throw APIError.invalid(info, name, "metadata.name: Invalid value: \"\(patched.name)\": field is immutable")
            }
            return ManagedFields.recordUpdate(old: old, new: patched, manager: manager, subresource: sub)
        }
        return HTTPSupport.json(result.object)
    }

    func delete(_ body: [UInt8]) throws -> Response {
        guard let name = target.name else { throw APIError.methodNotAllowed("DELETE") }
        var uid: String?
        var rv: String?
        if !body.isEmpty, let options = try? JSONValue.parse(body) {
            uid = options[path: "preconditions", "uid"].string
            rv = options[path: "preconditions", "resourceVersion"].string
        }
        let object = try store.delete(info, namespace: target.namespace, name: name, precondition: (uid, rv))
        return HTTPSupport.json(object)
    }

    func deleteCollection() throws -> Response {
        let labels = try LabelSelector(parsing: query["labelSelector"] ?? "")
        let fields = try FieldSelector(parsing: query["fieldSelector"] ?? "")
        let page = try store.list(info, version: target.version, namespace: target.namespace, labels: labels, fields: fields,
                                  limit: nil, continueToken: nil)
        let list = try JSONValue.parse(page.body)
        for item in list["items"].array ?? [] {
            _ = try? store.delete(info, namespace: item.namespace, name: item.name)
        }
        return HTTPSupport.json(Status(status: "Success", code: 200).json)
    }

    static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }
}
