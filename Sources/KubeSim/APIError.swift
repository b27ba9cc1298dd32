import KubeCore

/// An API failure answered as a `metav1.Status` with its HTTP code.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: Status
    /// Seconds for the `Retry-After` header (429/5xx faults).
    public var retryAfter: Int?

    public init(code: Int, reason: String, message: String, details: Status.Details? = nil, retryAfter: Int? = nil) {
        status = Status(status: "Failure", message: message, reason: reason, code: code, details: details)
        self.retryAfter = retryAfter
    }

    public var code: Int { status.code ?? 500 }
    public var description: String { "\(code) \(status.reason ?? ""): \(status.message ?? "")" }

    static func badRequest(_ message: String) -> APIError { APIError(code: 400, reason: "BadRequest", message: message) }
    static let unauthorized = APIError(code: 401, reason: "Unauthorized", message: "Unauthorized")
    static func forbidden(_ message: String) -> APIError { APIError(code: 403, reason: "Forbidden", message: message) }
    static func notFound(_ resource: ResourceInfo, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(resource.qualifiedName) \"\(name)\" not found",
                 details: Status.Details(name: name, group: resource.group, kind: resource.resource))
    }
    static func notFoundPath(_ path: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(path))")
    }
    static func methodNotAllowed(_ method: String) -> APIError {
        APIError(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource (\(method))")
    }
    static func alreadyExists(_ resource: ResourceInfo, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(resource.qualifiedName) \"\(name)\" already exists",
                 details: Status.Details(name: name, group: resource.group, kind: resource.resource))
    }
    static func conflict(_ resource: ResourceInfo, _ name: String, _ why: String) -> APIError {
        APIError(code: 409, reason: "Conflict",
                 message: "Operation cannot be fulfilled on \(resource.qualifiedName) \"\(name)\": \(why)",
                 details: Status.Details(name: name, group: resource.group, kind: resource.resource))
    }
    static func gone(_ message: String) -> APIError { APIError(code: 410, reason: "Expired", message: message) }
    static func unsupportedMediaType(_ type: String) -> APIError {
        APIError(code: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got \(type))")
    }
    static func invalid(_ resource: ResourceInfo, _ name: String, _ message: String) -> APIError {
        APIError(code: 422, reason: "Invalid", message: "\(resource.kind) \"\(name)\" is invalid: \(message)",
                 details: Status.Details(name: name, group: resource.group, kind: resource.kind))
    }
    static func internalError(_ message: String) -> APIError { APIError(code: 500, reason: "InternalError", message: message) }

    /// The standard reason for a status code, used by injected faults.
    static func reason(forCode code: Int) -> String {
        switch code {
        case 400: return "BadRequest"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "NotFound"
        case 405: return "MethodNotAllowed"
        case 409: return "Conflict"
        case 410: return "Expired"
        case 415: return "UnsupportedMediaType"
        case 422: return "Invalid"
        case 429: return "TooManyRequests"
        case 503: return "ServiceUnavailable"
        case 504: return "Timeout"
        default: return code >= 500 ? "InternalError" : "BadRequest"
        }
    }
}
