import Hummingbird
import KubeCore
import Logging

/// Answers Kubernetes API requests: authentication, fault injection, counters, routing and the verbs.
struct APIServer: Sendable {
    let core: SimCore

    /// Where a request goes once its path is parsed.
    struct Target {
        var info: ResourceInfo
        var version: String
        var namespace: String?
        var name: String?
        var subresource: String?
        var counterName: String { info.storeKey + (subresource.map { "/" + $0 } ?? "") }
    }

    func respond(_ request: Request) async -> Response {
        var request = request
        let path = request.uri.path
        do {
            if path == "/healthz" || path == "/readyz" || path == "/livez" {
                return Response(status: .ok, headers: [.contentType: "text/plain"], body: ResponseBody(byteBuffer: ByteBuffer(string: "ok")))
            }
            try authenticate(request)
            if path.hasPrefix("/_sim/") || path == "/_sim" {
                return try await ControlAPI(core: core).respond(&request)
            }
            return try await route(&request)
        } catch let error as APIError {
            return HTTPSupport.error(error)
        } catch {
            return HTTPSupport.error(APIError.internalError("\(error)"))
        }
    }

    func authenticate(_ request: Request) throws(APIError) {
        guard !core.options.clientCertificateAuth || core.options.plainHTTP else { return }  // TLS verified the client
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              String(header.dropFirst("Bearer ".count)).trimmingSpaces() == core.token else {
            throw APIError.unauthorized
        }
    }

    func route(_ request: inout Request) async throws -> Response {
        let path = request.uri.path
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map { PathEscaping.unescape(String($0)) }
        let method = request.method
        func discovery(_ value: JSONValue) async throws -> Response {
            let verb = "get"
            guard method == .get else { throw APIError.methodNotAllowed(method.rawValue) }
            try await applyFaults(path: path, verb: verb)
            core.counters.record(verb: verb, resource: "discovery")
            return HTTPSupport.json(value)
        }
        switch segments.first {
        case "version" where segments.count == 1:
            return try await discovery(Discovery.version())
        case "openapi":
            if segments == ["openapi", "v2"] {
                guard (request.headers[.accept] ?? "").contains("protobuf") else { return try await discovery(Discovery.openAPIV2()) }
                guard method == .get else { throw APIError.methodNotAllowed(method.rawValue) }
                core.counters.record(verb: "get", resource: "discovery")
                return Response(status: .ok, headers: [.contentType: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"],
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Discovery.openAPIV2Protobuf())))
            }
            if segments == ["openapi", "v3"] { return try await discovery(Discovery.openAPIV3(core.store.resources)) }
            if segments.count == 4 && segments[1] == "v3" && segments[2] == "api" {
                return try await discovery(Discovery.openAPIV3Group(core.store.resources, group: "", version: segments[3]))
            }
            if segments.count == 5 && segments[1] == "v3" && segments[2] == "apis" {
                return try await discovery(Discovery.openAPIV3Group(core.store.resources, group: segments[3], version: segments[4]))
            }
            throw APIError.notFoundPath(path)
        case "api":
            if segments.count == 1 { return try await discovery(Discovery.coreVersions(serverAddress: core.hostPort)) }
            guard segments[1] == "v1" else { throw APIError.notFoundPath(path) }
            if segments.count == 2, let list = Discovery.resourceList(core.store.resources, group: "", version: "v1") {
                return try await discovery(list)
            }
            return try await resourceRequest(&request, group: "", version: "v1", rest: Array(segments.dropFirst(2)))
        case "apis":
            if segments.count == 1 { return try await discovery(Discovery.groupList(core.store.resources)) }
            let group = segments[1]
            if segments.count == 2 {
                guard let versions = Discovery.groups(core.store.resources)[group] else { throw APIError.notFoundPath(path) }
                return try await discovery(Discovery.group(group, versions: versions))
            }
            let version = segments[2]
            if segments.count == 3 {
                guard let list = Discovery.resourceList(core.store.resources, group: group, version: version) else {
                    throw APIError.notFoundPath(path)
                }
                return try await discovery(list)
            }
            return try await resourceRequest(&request, group: group, version: version, rest: Array(segments.dropFirst(3)))
        default:
            throw APIError.notFoundPath(path)
        }
    }

    func target(group: String, version: String, rest: [String], path: String) throws(APIError) -> Target {
        var namespace: String?
        var parts = rest[...]
        let namespaceSubresource = group.isEmpty && rest.count == 3 && rest[0] == "namespaces" && (rest[2] == "status" || rest[2] == "finalize")
        if rest.count >= 3 && rest[0] == "namespaces" && !namespaceSubresource {
            namespace = rest[1]
            parts = rest.dropFirst(2)
        }
        guard let plural = parts.first, parts.count <= 3,
              let info = core.store.resource(group: group, version: version, plural: plural) else {
            throw APIError.notFoundPath(path)
        }
        if namespace != nil && !info.namespaced { throw APIError.notFoundPath(path) }
        let name = parts.count >= 2 ? parts[parts.startIndex + 1] : nil
        let sub = parts.count == 3 ? parts[parts.startIndex + 2] : nil
        if let sub, sub != "status" || !info.hasStatus { throw APIError.notFoundPath(path) }
        return Target(info: info, version: version, namespace: namespace, name: name, subresource: sub)
    }

    /// Delays or fails the request as an injected fault says; returns the byte count after which
    /// the response must be cut, if the fault is a reset.
    @discardableResult
    func applyFaults(path: String, verb: String) async throws -> Int? {
        guard let outcome = core.faults.check(path: path, verb: verb) else { return nil }
        if outcome.delayMilliseconds > 0 { try await Task.sleep(for: .milliseconds(outcome.delayMilliseconds)) }
        if let error = outcome.error { throw error }
        return outcome.resetAfterBytes
    }

    /// The response with its body cut after `limit` bytes and the connection closed (the
    /// Content-Length still promises the whole body, as when a proxy or the server dies mid-send).
    static func truncated(_ response: Response, after limit: Int) -> Response {
        var response = response
        let original = response.body
        let length = original.contentLength
        response.body = ResponseBody(contentLength: length) { writer in
            try await original.write(CuttingWriter(inner: writer, budget: limit))
        }
        return response
    }

    /// Passes bytes on until its budget is spent, then fails the write (which closes the connection).
    struct CuttingWriter: ResponseBodyWriter {
        var inner: any ResponseBodyWriter
        var budget: Int

        mutating func write(_ buffer: ByteBuffer) async throws {
            var buffer = buffer
            let take = min(budget, buffer.readableBytes)
            if take > 0, let slice = buffer.readSlice(length: take) { try await inner.write(slice) }
            budget -= take
            if budget <= 0 { throw APIError.internalError("connection reset by injected fault") }
        }

        consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
            throw APIError.internalError("connection reset by injected fault")
        }
    }

    func resourceRequest(_ request: inout Request, group: String, version: String, rest: [String]) async throws -> Response {
        let path = request.uri.path
        let t = try target(group: group, version: version, rest: rest, path: path)
        let query = HTTPSupport.query(request.uri)
        let verb: String
        switch (request.method, t.name) {
        case (.get, nil): verb = HTTPSupport.isTrue(query["watch"]) ? "watch" : "list"
        case (.get, _): verb = "get"
        case (.post, nil): verb = "create"
        case (.put, .some): verb = "update"
        case (.patch, .some): verb = "patch"
        case (.delete, .some): verb = "delete"
        case (.delete, nil): verb = "deletecollection"
        default: throw APIError.methodNotAllowed(request.method.rawValue)
        }
        core.counters.record(verb: verb, resource: t.counterName)
        let resetAfter = try await applyFaults(path: path, verb: verb)
        let body = verb == "create" || verb == "update" || verb == "patch" || verb == "delete"
            ? Array(buffer: try await request.collectBody(upTo: 64 << 20)) : []
        let verbs = Verbs(core: core, target: t, query: query, headers: request.headers)
        let response: Response
        switch verb {
        case "list": response = try verbs.list()
        case "watch": response = try verbs.watch()
        case "get": response = try verbs.get()
        case "create": response = try verbs.create(body)
        case "update": response = try verbs.update(body)
        case "patch": response = try verbs.patch(body)
        case "delete": response = try verbs.delete(body)
        default: response = try verbs.deleteCollection()
        }
        return resetAfter.map { Self.truncated(response, after: $0) } ?? response
    }
}
