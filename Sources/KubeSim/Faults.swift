import KubeCore

/// One injected fault: requests whose path matches and whose verb matches fail (or are delayed).
public struct Fault: Sendable, Hashable, Codable {
    /// Path prefix (`/apis/source.toolkit.fluxcd.io`) or, with `*`, a glob (`/apis/*/kustomizations`).
    public var path: String
    /// Verb as counted (`list`, `watch`, `get`, `create`, `update`, `patch`, `delete`), or nil for all.
    public var verb: String?
    /// HTTP status to answer with; nil or 0 only delays the request.
    public var code: Int?
    /// How many matching requests fail; nil = until cleared.
    public var times: Int?
    /// Delay before answering, in milliseconds.
    public var delayMilliseconds: Int?
    /// `Retry-After` seconds (and `details.retryAfterSeconds`), e.g. for 429.
    public var retryAfterSeconds: Int?
    public var message: String?
    /// Answer normally but close the connection after this many bytes of the body (a connection
    /// reset mid-response: the client sees a truncated LIST, or a watch cut mid-event).
    public var resetAfterBytes: Int?

    public init(path: String, verb: String? = nil, code: Int? = nil, times: Int? = nil,
                delayMilliseconds: Int? = nil, retryAfterSeconds: Int? = nil, message: String? = nil,
                resetAfterBytes: Int? = nil) {
        self.resetAfterBytes = resetAfterBytes
        self.path = path
        self.verb = verb
        self.code = code
        self.times = times
        self.delayMilliseconds = delayMilliseconds
        self.retryAfterSeconds = retryAfterSeconds
        self.message = message
    }

    func matches(path candidate: String, verb candidateVerb: String) -> Bool {
        if let verb, verb != candidateVerb { return false }
        if path.contains("*") { return Self.glob(Array(path.utf8)[...], Array(candidate.utf8)[...]) }
        return candidate.hasPrefix(path)
    }

    /// `*` matches any run of characters (including `/`); the pattern must match a prefix of the path.
    static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let p = pattern.first else { return true }
        if p == UInt8(ascii: "*") {
            var rest = text
            while true {
                if glob(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let t = text.first, t == p else { return false }
        return glob(pattern.dropFirst(), text.dropFirst())
    }
}

/// What the fault injector decided for one request.
struct FaultOutcome: Sendable {
    var delayMilliseconds: Int
    var error: APIError?
    var resetAfterBytes: Int?
}

/// Active faults, consumed in order of registration.
final class FaultInjector: Sendable {
    private let faults = LockedState<[Fault]>([])

    func add(_ fault: Fault) { faults.withLock { $0.append(fault) } }
    func clear() { faults.withLock { $0.removeAll() } }
    var active: [Fault] { faults.withLock { $0 } }

    func check(path: String, verb: String) -> FaultOutcome? {
        faults.withLock { list -> FaultOutcome? in
            guard let i = list.firstIndex(where: { $0.matches(path: path, verb: verb) }) else { return nil }
            let fault = list[i]
            if let times = fault.times {
                if times <= 1 { list.remove(at: i) } else { list[i].times = times - 1 }
            }
            var error: APIError?
            if let code = fault.code, code > 0 {
                var details: Status.Details?
                if let retry = fault.retryAfterSeconds { details = Status.Details(retryAfterSeconds: retry) }
                error = APIError(code: code, reason: APIError.reason(forCode: code),
                                 message: fault.message ?? "injected fault (\(code)) for \(verb) \(path)",
                                 details: details, retryAfter: fault.retryAfterSeconds)
            }
            return FaultOutcome(delayMilliseconds: fault.delayMilliseconds ?? 0, error: error,
                                resetAfterBytes: fault.resetAfterBytes.map { max(0, $0) })
        }
    }
}

/// Request counters per verb and resource, e.g. `list` + `kustomizations.kustomize.toolkit.fluxcd.io`.
public struct RequestCount: Sendable, Hashable, Codable {
    public var verb: String
    public var resource: String
    public var count: Int
}

final class RequestCounters: Sendable {
    private let counts = LockedState<[String: [String: Int]]>([:])

    func record(verb: String, resource: String) {
        counts.withLock { $0[verb, default: [:]][resource, default: 0] += 1 }
    }

    func reset() { counts.withLock { $0.removeAll() } }

    func snapshot() -> [RequestCount] {
        counts.withLock { c in
            c.flatMap { verb, byResource in byResource.map { RequestCount(verb: verb, resource: $0.key, count: $0.value) } }
                .sorted { ($0.verb, $0.resource) < ($1.verb, $1.resource) }
        }
    }

    func count(verb: String, resource: String? = nil) -> Int {
        counts.withLock { c in
            guard let byResource = c[verb] else { return 0 }
            if let resource { return byResource[resource] ?? 0 }
            return byResource.values.reduce(0, +)
        }
    }
}
