/// The seam between the Kubernetes client and everything above it.
///
/// `KubernetesClient` implements it over libcurl; tests may implement it in memory.
/// Every call is cancellable through task cancellation.
public protocol KubeAPI: Sendable {
    /// GET one object. Throws `KubeAPIError` with reason `.notFound` when absent.
    func get(_ resource: GroupVersionResource, namespace: String?, name: String) async throws -> JSONValue

    /// One page of a LIST (`limit`/`continue` in `options`). `listAll` follows `continue` tokens.
    func list(_ resource: GroupVersionResource, namespace: String?, options: ListOptions) async throws -> ObjectList

    /// The same page, its items read lazily from one parsed document where the conformer can
    /// (informers' LISTs: no `JSONValue` tree per object). The default returns `list`'s items.
    func listPage(_ resource: GroupVersionResource, namespace: String?, options: ListOptions) async throws -> ObjectListPage

    /// A WATCH stream. Each line becomes a `WatchEvent`; an `ERROR` event is thrown as a `KubeAPIError`
    /// decoded from its `metav1.Status` (e.g. reason `.gone` for 410) and ends the stream.
    /// The stream ends normally when the server closes it (e.g. `timeoutSeconds`); cancelling the
    /// consuming task (or dropping the iterator) aborts the transfer.
    func watch(_ resource: GroupVersionResource, namespace: String?, options: WatchOptions) -> AsyncThrowingStream<WatchEvent, any Error>

    /// The same stream, calling `accepted` once when the server has accepted the watch (answered 2xx,
    /// before its first event): from then on it owes every change after `options.resourceVersion`.
    /// A cache fed by a watch that was sent but not yet answered can be behind by any amount (a slow
    /// server replays what it missed only when it answers). The default, for conformers that
    /// cannot tell, calls `accepted` as the stream is made.
    func watch(_ resource: GroupVersionResource, namespace: String?, options: WatchOptions,
               accepted: @escaping @Sendable () -> Void) -> AsyncThrowingStream<WatchEvent, any Error>

    func create(_ resource: GroupVersionResource, namespace: String?, object: JSONValue, options: WriteOptions) async throws -> JSONValue

    /// PUT the object (optimistic concurrency through `metadata.resourceVersion`); `subresource` e.g. `status`.
    func update(_ resource: GroupVersionResource, namespace: String?, object: JSONValue, subresource: String?, options: WriteOptions) async throws -> JSONValue

    func patch(_ resource: GroupVersionResource, namespace: String?, name: String, patch: Patch, subresource: String?, options: WriteOptions) async throws -> JSONValue

    func delete(_ resource: GroupVersionResource, namespace: String?, name: String) async throws

    /// GET `/version`.
    func serverVersion() async throws -> ServerVersion

    /// Discovery: the served resources of one group/version (`/api/v1`, `/apis/<group>/<version>`).
    func resources(of groupVersion: GroupVersion) async throws -> [APIResource]

    /// Discovery: every group with its versions (`/api` + `/apis`).
    func serverGroups() async throws -> [APIGroup]
}

extension KubeAPI {
    public func watch(_ resource: GroupVersionResource, namespace: String?, options: WatchOptions,
                      accepted: @escaping @Sendable () -> Void) -> AsyncThrowingStream<WatchEvent, any Error> {
        let stream = watch(resource, namespace: namespace, options: options)
        accepted()
        return stream
    }

    /// Lists every page, following `continue` tokens. The returned `resourceVersion` is the last page's.
    public func listAll(_ resource: GroupVersionResource, namespace: String?, options: ListOptions = ListOptions()) async throws -> ObjectList {
        var options = options
        if options.limit == nil { options.limit = 500 }
        var all = ObjectList(items: [], resourceVersion: "", continueToken: nil)
        repeat {
            try Task.checkCancellation()
            let page = try await list(resource, namespace: namespace, options: options)
            all.items.append(contentsOf: page.items)
            all.resourceVersion = page.resourceVersion
            options.continueToken = page.continueToken
        } while options.continueToken?.isEmpty == false
        return all
    }

    public func listPage(_ resource: GroupVersionResource, namespace: String?, options: ListOptions) async throws -> ObjectListPage {
        let page = try await list(resource, namespace: namespace, options: options)
        return ObjectListPage(items: .values(page.items), resourceVersion: page.resourceVersion, continueToken: page.continueToken,
                              remainingItemCount: page.remainingItemCount)
    }

    /// GET that returns nil instead of throwing on 404.
    public func getIfExists(_ resource: GroupVersionResource, namespace: String?, name: String) async throws -> JSONValue? {
        do {
            return try await get(resource, namespace: namespace, name: name)
        } catch let error as KubeAPIError where error.reason == .notFound {
            return nil
        }
    }
}

public struct ListOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?
    /// `NotOlderThan` or `Exact`, only meaningful with `resourceVersion`.
    public var resourceVersionMatch: String?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil, continueToken: String? = nil,
                resourceVersion: String? = nil, resourceVersionMatch: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
    }
}

public struct WatchOptions: Sendable, Hashable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Resume point; nil or "" means "from now" on most servers (the informer always passes the list's version).
    public var resourceVersion: String?
    public var allowWatchBookmarks: Bool
    /// Server-side timeout; the stream then ends normally and the caller re-watches.
    public var timeoutSeconds: Int?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
                allowWatchBookmarks: Bool = true, timeoutSeconds: Int? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.allowWatchBookmarks = allowWatchBookmarks
        self.timeoutSeconds = timeoutSeconds
    }
}

public struct WriteOptions: Sendable, Hashable {
    /// Required for server-side apply; recorded in managedFields for other writes.
    public var fieldManager: String?
    /// Server-side apply: take ownership of conflicting fields.
    public var force: Bool
    public var dryRun: Bool

    public init(fieldManager: String? = nil, force: Bool = false, dryRun: Bool = false) {
        self.fieldManager = fieldManager
        self.force = force
        self.dryRun = dryRun
    }
}

/// A patch body and its content type.
public enum Patch: Sendable, Hashable {
    /// `application/merge-patch+json` (RFC 7386).
    case merge(JSONValue)
    /// `application/json-patch+json` (RFC 6902): an array of operations.
    case json([JSONValue])
    /// `application/strategic-merge-patch+json`.
    case strategicMerge(JSONValue)
    /// `application/apply-patch+yaml` (server-side apply); sent as JSON, which is valid YAML.
    /// `WriteOptions.fieldManager` is required.
    case apply(JSONValue)

    public var contentType: String {
        switch self {
        case .merge: return "application/merge-patch+json"
        case .json: return "application/json-patch+json"
        case .strategicMerge: return "application/strategic-merge-patch+json"
        case .apply: return "application/apply-patch+yaml"
        }
    }

    public var body: JSONValue {
        switch self {
        case .merge(let v), .strategicMerge(let v), .apply(let v): return v
        case .json(let ops): return .array(ops)
        }
    }
}

/// One page of a LIST.
public struct ObjectList: Sendable, Hashable {
    public var items: [JSONValue]
    public var resourceVersion: String
    /// Non-nil and non-empty when more pages follow.
    public var continueToken: String?
    /// `metadata.remainingItemCount`: how many objects the pages after this one hold, when the
    /// server says (it does not for every selector).
    public var remainingItemCount: Int?

    public init(items: [JSONValue], resourceVersion: String, continueToken: String?, remainingItemCount: Int? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
    }
}

/// One page of a LIST as `listPage` returns it.
public struct ObjectListPage: Sendable {
    public enum Items: Sendable {
        /// Nodes of the page's parsed document (`KubernetesClient`).
        case nodes([JSONNode])
        /// Trees, from a `KubeAPI` that has them already (the default `listPage`, in-memory fakes).
        case values([JSONValue])
    }

    public var items: Items
    public var resourceVersion: String
    /// Non-nil and non-empty when more pages follow.
    public var continueToken: String?
    /// As `ObjectList.remainingItemCount`.
    public var remainingItemCount: Int?

    public init(items: Items, resourceVersion: String, continueToken: String?, remainingItemCount: Int? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
    }
}

/// `/version` of the API server.
public struct ServerVersion: Sendable, Hashable, Codable {
    public var major: String
    public var minor: String
    public var gitVersion: String
    public var platform: String

    public init(major: String = "", minor: String = "", gitVersion: String, platform: String) {
        self.major = major
        self.minor = minor
        self.gitVersion = gitVersion
        self.platform = platform
    }
}

/// A resource in a discovery document (`APIResourceList.resources[]`).
public struct APIResource: Sendable, Hashable {
    public var name: String          // plural, may contain "/" for subresources ("deployments/status")
    public var singularName: String
    public var namespaced: Bool
    public var kind: String
    public var verbs: [String]

    public init(name: String, singularName: String = "", namespaced: Bool, kind: String, verbs: [String]) {
        self.name = name
        self.singularName = singularName
        self.namespaced = namespaced
        self.kind = kind
        self.verbs = verbs
    }
}

/// A group in discovery (`/apis` `APIGroupList.groups[]`; the core group is `""`).
public struct APIGroup: Sendable, Hashable {
    public var name: String
    public var versions: [String]
    public var preferredVersion: String

    public init(name: String, versions: [String], preferredVersion: String) {
        self.name = name
        self.versions = versions
        self.preferredVersion = preferredVersion
    }
}

/// Every failure of an API call: HTTP errors decoded from `metav1.Status`, plus timeouts,
/// transport failures (with curl's message) and undecodable responses.
public struct KubeAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        case badRequest, unauthorized, forbidden, notFound, methodNotAllowed, alreadyExists, conflict
        case gone           // 410, also `reason: Expired` / `Gone` in a watch ERROR event
        case invalid        // 422
        case tooManyRequests // 429; see `retryAfter`
        case serverError    // 5xx
        case timeout        // client-side timeout
        case transport      // connection/TLS failure (curl's message in `message`)
        case decoding       // malformed response body
        case other
    }

    public var reason: Reason
    /// HTTP status code; 0 when no response was received.
    public var code: Int
    public var message: String
    public var status: Status?
    /// From the `Retry-After` header or `details.retryAfterSeconds`.
    public var retryAfter: Duration?
    /// For `.transport`: what failed, when curl says (nil otherwise).
    public var transportCause: TransportCause?

    /// Why no HTTP response arrived, for messages that tell the user what to fix.
    public enum TransportCause: String, Sendable, Hashable {
        case hostNotFound
        case connectionRefused
        case certificateVerification
        case tlsHandshake
        case other
    }

    public init(reason: Reason, code: Int, message: String, status: Status? = nil, retryAfter: Duration? = nil) {
        self.reason = reason
        self.code = code
        self.message = message
        self.status = status
        self.retryAfter = retryAfter
    }

    public var description: String {
        code > 0 ? "\(reason.rawValue) (\(code)): \(message)" : "\(reason.rawValue): \(message)"
    }
}

/// Observes every completed request, for `rest_client_requests_total{code,method,host}`.
/// `code` is the HTTP status as a string, or `"<error>"` when no response arrived (client-go's convention).
public protocol RequestObserver: Sendable {
    func requestCompleted(code: String, method: String, host: String)
}
