import Foundation
import KubeCore

/// The Kubernetes REST client over libcurl: `KubeAPI` with rate limiting, authentication,
/// a retry after a 401 for refreshable credentials, and typed errors.
public final class KubernetesClient: KubeAPI {
    public let configuration: ClientConfiguration
    private let observer: (any RequestObserver)?
    private let limiter: TokenBucket
    private let authenticator: Authenticator
    private let engine = CurlEngine.shared
    /// Base URL used on the wire (the `tls-server-name` replaces the host; `connectTo` keeps the real address).
    private let baseURL: String
    private let connectTo: String?
    /// `host:port` for `rest_client_requests_total{host}`.
    public let host: String

    public init(configuration: ClientConfiguration, observer: (any RequestObserver)? = nil) {
        self.configuration = configuration
        self.observer = observer
        limiter = TokenBucket(qps: configuration.qps, burst: configuration.burst)
        authenticator = Authenticator(authentication: configuration.authentication, tls: configuration.tls)
        let components = URLComponents(string: configuration.server)
        let scheme = components?.scheme ?? "https"
        let hostName = components?.host ?? ""
        let port = components?.port ?? (scheme == "http" ? 80 : 443)
        let bracketed = hostName.contains(":") ? "[\(hostName)]" : hostName
        host = components?.port != nil ? "\(bracketed):\(port)" : bracketed
        let pathPrefix = components?.path ?? ""
        if let serverName = configuration.tls.serverName, scheme == "https", !hostName.isEmpty {
            baseURL = "https://\(serverName):\(port)\(pathPrefix)"
            connectTo = "\(serverName):\(port):\(bracketed):\(port)"
        } else {
            baseURL = configuration.server
            connectTo = nil
        }
    }

    // MARK: KubeAPI

    public func get(_ resource: GroupVersionResource, namespace: String?, name: String) async throws -> JSONValue {
        try await requestJSON("GET", resource.objectPath(namespace: namespace, name: name))
    }

    public func list(_ resource: GroupVersionResource, namespace: String?, options: ListOptions) async throws -> ObjectList {
        let json = try await requestJSON("GET", resource.collectionPath(namespace: namespace), query: listQuery(options))
        let page = try Self.listParts(json, resource)
        return ObjectList(items: page.items, resourceVersion: page.resourceVersion, continueToken: page.continueToken,
                          remainingItemCount: page.remainingItemCount)
    }

    /// `list` without a `JSONValue` per item: the page is parsed once into a `JSONDocument`.
    public func listPage(_ resource: GroupVersionResource, namespace: String?, options: ListOptions) async throws -> ObjectListPage {
        let path = resource.collectionPath(namespace: namespace)
        let bytes = try await perform("GET", path, query: listQuery(options))
        let root: JSONNode
        do {
            root = try JSONDocument(bytes: bytes).root
        } catch {
            throw KubeAPIError(reason: .decoding, code: 200, message: "GET \(path): \(error)")
        }
        let page = try Self.listParts(root, resource)
        return ObjectListPage(items: .nodes(page.items), resourceVersion: page.resourceVersion, continueToken: page.continueToken,
                              remainingItemCount: page.remainingItemCount)
    }

    /// A LIST response's items, resourceVersion, continue token (nil when empty) and remaining
    /// item count (nil unless a count ≥ 0), read alike from a tree or a document.
    private static func listParts<JSON: JSONReadable>(_ root: JSON, _ resource: GroupVersionResource) throws
        -> (items: [JSON], resourceVersion: String, continueToken: String?, remainingItemCount: Int?) {
        let itemsNode = root["items"]
        guard let items = itemsNode.elements.map(Array.init) ?? (itemsNode.isNull ? [] : nil) else {
            throw KubeAPIError(reason: .decoding, code: 200, message: "list \(resource): items is not an array")
        }
        let metadata = root["metadata"]
        let continueToken = metadata["continue"].string
        let remaining = metadata["remainingItemCount"].int.flatMap { $0 >= 0 ? Int(clamping: $0) : nil }
        return (items, metadata["resourceVersion"].string ?? "", continueToken?.isEmpty == true ? nil : continueToken, remaining)
    }

    private func listQuery(_ options: ListOptions) -> [(String, String)] {
        var query: [(String, String)] = []
        if let v = options.labelSelector, !v.isEmpty { query.append(("labelSelector", v)) }
        if let v = options.fieldSelector, !v.isEmpty { query.append(("fieldSelector", v)) }
        if let v = options.limit { query.append(("limit", String(v))) }
        if let v = options.continueToken, !v.isEmpty { query.append(("continue", v)) }
        if let v = options.resourceVersion { query.append(("resourceVersion", v)) }
        if let v = options.resourceVersionMatch, !v.isEmpty { query.append(("resourceVersionMatch", v)) }
        return query
    }

    public func watch(_ resource: GroupVersionResource, namespace: String?, options: WatchOptions) -> AsyncThrowingStream<WatchEvent, any Error> {
        watch(resource, namespace: namespace, options: options, accepted: {})
    }

    public func watch(_ resource: GroupVersionResource, namespace: String?, options: WatchOptions,
                      accepted: @escaping @Sendable () -> Void) -> AsyncThrowingStream<WatchEvent, any Error> {
        watch(resource, namespace: namespace, options: options,
              buffer: WatchBuffer(limit: configuration.watchBufferLimit, engine: engine, accepted: accepted))
    }

    /// `watch` through a given buffer (tests read its high-water mark and whether its transfer ended).
    func watch(_ resource: GroupVersionResource, namespace: String?, options: WatchOptions,
               buffer: WatchBuffer) -> AsyncThrowingStream<WatchEvent, any Error> {
        var query: [(String, String)] = [("watch", "1")]
        if let v = options.labelSelector, !v.isEmpty { query.append(("labelSelector", v)) }
        if let v = options.fieldSelector, !v.isEmpty { query.append(("fieldSelector", v)) }
        if let v = options.resourceVersion, !v.isEmpty { query.append(("resourceVersion", v)) }
        if options.allowWatchBookmarks { query.append(("allowWatchBookmarks", "true")) }
        if let v = options.timeoutSeconds { query.append(("timeoutSeconds", String(v))) }
        let path = resource.collectionPath(namespace: namespace)
        // A server-side timeout ends the stream; a client-side one a minute later catches a server that forgot.
        let timeout = options.timeoutSeconds.map { Duration.seconds($0) + .seconds(60) }
        let fixedQuery = query
        // Pulled, not pushed: an event is decoded only when the consumer asks for it, in its task;
        // the engine thread only fills a bounded buffer (see `WatchBuffer`).
        let producer = Task {
            await self.runWatch(path: path, query: fixedQuery, timeout: timeout, buffer: buffer)
        }
        let reader = WatchReader(buffer: buffer, path: path, producer: producer)
        return AsyncThrowingStream(unfolding: { try await reader.nextEvent() })
    }

    public func create(_ resource: GroupVersionResource, namespace: String?, object: JSONValue, options: WriteOptions) async throws -> JSONValue {
        try await requestJSON("POST", resource.collectionPath(namespace: namespace ?? object.namespace),
                              query: writeQuery(options, apply: false), body: object.serialized(), contentType: "application/json")
    }

    public func update(_ resource: GroupVersionResource, namespace: String?, object: JSONValue, subresource: String?, options: WriteOptions) async throws -> JSONValue {
        let name = object.name
        guard !name.isEmpty else {
            throw KubeAPIError(reason: .invalid, code: 0, message: "update \(resource): object has no metadata.name")
        }
        return try await requestJSON("PUT", resource.objectPath(namespace: namespace ?? object.namespace, name: name, subresource: subresource),
                                     query: writeQuery(options, apply: false), body: object.serialized(), contentType: "application/json")
    }

    public func patch(_ resource: GroupVersionResource, namespace: String?, name: String, patch: Patch, subresource: String?, options: WriteOptions) async throws -> JSONValue {
        var apply = false
        if case .apply = patch {
            apply = true
            guard options.fieldManager?.isEmpty == false else {
                throw KubeAPIError(reason: .badRequest, code: 0, message: "server-side apply of \(resource) \(name) needs a fieldManager")
            }
        }
        return try await requestJSON("PATCH", resource.objectPath(namespace: namespace, name: name, subresource: subresource),
                                     query: writeQuery(options, apply: apply), body: patch.body.serialized(), contentType: patch.contentType)
    }

    public func delete(_ resource: GroupVersionResource, namespace: String?, name: String) async throws {
        _ = try await perform("DELETE", resource.objectPath(namespace: namespace, name: name))
    }

    public func serverVersion() async throws -> ServerVersion {
        let json = try await requestJSON("GET", "/version")
        guard let gitVersion = json["gitVersion"].string else {
            throw KubeAPIError(reason: .decoding, code: 200, message: "/version: no gitVersion")
        }
        return ServerVersion(major: json["major"].string ?? "", minor: json["minor"].string ?? "",
                             gitVersion: gitVersion, platform: json["platform"].string ?? "")
    }

    public func resources(of groupVersion: GroupVersion) async throws -> [APIResource] {
        let json = try await requestJSON("GET", groupVersion.pathPrefix)
        return (json["resources"].array ?? []).compactMap { item in
            guard let name = item["name"].string else { return nil }
            return APIResource(name: name, singularName: item["singularName"].string ?? "",
                               namespaced: item["namespaced"].bool ?? false, kind: item["kind"].string ?? "",
                               verbs: (item["verbs"].array ?? []).compactMap(\.string))
        }
    }

    public func serverGroups() async throws -> [APIGroup] {
        let core = try await requestJSON("GET", "/api")
        var groups: [APIGroup] = []
        let coreVersions = (core["versions"].array ?? []).compactMap(\.string)
        if !coreVersions.isEmpty {
            groups.append(APIGroup(name: "", versions: coreVersions, preferredVersion: coreVersions.first ?? "v1"))
        }
        let apis = try await requestJSON("GET", "/apis")
        for group in apis["groups"].array ?? [] {
            guard let name = group["name"].string else { continue }
            let versions = (group["versions"].array ?? []).compactMap { $0["version"].string }
            let preferred = group[path: "preferredVersion", "version"].string ?? versions.first ?? ""
            groups.append(APIGroup(name: name, versions: versions, preferredVersion: preferred))
        }
        return groups
    }

    /// GET of any path below the server URL (e.g. `/healthz`, `/openapi/v3`), decoded as JSON.
    public func getRaw(_ path: String) async throws -> JSONValue {
        try await requestJSON("GET", path)
    }

    // MARK: plumbing

    private func writeQuery(_ options: WriteOptions, apply: Bool) -> [(String, String)] {
        var query: [(String, String)] = []
        if let manager = options.fieldManager, !manager.isEmpty { query.append(("fieldManager", manager)) }
        if apply && options.force { query.append(("force", "true")) }
        if options.dryRun { query.append(("dryRun", "All")) }
        return query
    }

    private func url(_ path: String, _ query: [(String, String)]) -> String {
        var url = baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\($0.0)=\(PathEscaping.escape($0.1))" }.joined(separator: "&")
        }
        return url
    }

    private func makeRequest(_ method: String, _ path: String, query: [(String, String)], body: [UInt8]?, contentType: String?,
                             credentials: Credentials, timeout: Duration?, lowSpeedTime: Duration?) -> HTTPRequest {
        var headers = ["Accept: application/json", "User-Agent: \(configuration.userAgent)"]
        if let contentType { headers.append("Content-Type: \(contentType)") }
        return HTTPRequest(method: method, url: url(path, query), headers: headers, body: body, tls: configuration.tls,
                           credentials: credentials, connectTimeout: configuration.connectTimeout, timeout: timeout,
                           lowSpeedTime: lowSpeedTime, connectTo: connectTo)
    }

    private func requestJSON(_ method: String, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                             contentType: String? = nil) async throws -> JSONValue {
        let bytes = try await perform(method, path, query: query, body: body, contentType: contentType)
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw KubeAPIError(reason: .decoding, code: 200, message: "\(method) \(path): \(error)")
        }
    }

    /// One rate-limited request; retried once after a 401 when the credentials can be refreshed.
    private func perform(_ method: String, _ path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
                         contentType: String? = nil) async throws -> [UInt8] {
        var attempt = 0
        while true {
            attempt += 1
            try await limiter.acquire()
            let credentials = try await authenticator.credentials()
            let request = makeRequest(method, path, query: query, body: body, contentType: contentType, credentials: credentials,
                                      timeout: configuration.requestTimeout, lowSpeedTime: nil)
            let result = try await execute(request, sink: nil)
            try check(result, method: method)
            if (200..<300).contains(result.status) { return result.body }
            if result.status == 401, attempt == 1, await authenticator.invalidate() { continue }
            throw KubeAPIError.fromResponse(code: result.status, body: result.body, retryAfterHeader: result.retryAfter)
        }
    }

    /// Reports the request to the observer and turns transport failures into errors.
    private func check(_ result: TransferResult, method: String) throws {
        switch result.failure {
        case .cancelled:
            observer?.requestCompleted(code: result.status > 0 ? String(result.status) : "<error>", method: method, host: host)
            throw CancellationError()
        case .timeout(let message):
            observer?.requestCompleted(code: "<error>", method: method, host: host)
            throw KubeAPIError(reason: .timeout, code: 0, message: message)
        case .transport(let message, let cause):
            observer?.requestCompleted(code: "<error>", method: method, host: host)
            var error = KubeAPIError(reason: .transport, code: 0, message: message)
            error.transportCause = cause
            throw error
        case .aborted, nil:
            observer?.requestCompleted(code: String(result.status), method: method, host: host)
        }
    }

    private func execute(_ request: HTTPRequest, sink: (any StreamSink)?,
                         attach: ((CurlTransfer) -> Void)? = nil) async throws -> TransferResult {
        try await engine.perform(request, sink: sink, attach: attach)
    }

    private func runWatch(path: String, query: [(String, String)], timeout: Duration?, buffer: WatchBuffer) async {
        var attempt = 0
        do {
            while true {
                attempt += 1
                try await limiter.acquire()
                let credentials = try await authenticator.credentials()
                let request = makeRequest("GET", path, query: query, body: nil, contentType: nil, credentials: credentials,
                                          timeout: timeout, lowSpeedTime: configuration.watchIdleTimeout)
                let result = try await execute(request, sink: WatchSink(buffer: buffer), attach: { buffer.attach($0) })
                // Aborted or closed: the consumer stopped (an ERROR event, a bad line, or it let go).
                if result.failure == .aborted || buffer.isClosed {
                    buffer.finish(nil)
                    return
                }
                try check(result, method: "GET")
                if (200..<300).contains(result.status) {
                    buffer.finish(nil)
                    return
                }
                if result.status == 401, attempt == 1, await authenticator.invalidate() { continue }
                throw KubeAPIError.fromResponse(code: result.status, body: result.body, retryAfterHeader: result.retryAfter)
            }
        } catch is CancellationError {
            buffer.finish(nil)
        } catch {
            buffer.finish(error)
        }
    }

    /// For tests: transfers currently in the shared engine, and how often the exec plugin ran.
    static var activeTransfers: Int { CurlEngine.shared.activeCount.load(ordering: .relaxed) }
    var execPluginRuns: Int { get async { await authenticator.execRuns } }
}
