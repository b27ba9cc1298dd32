import Foundation
import KubeCore

extension KubeAPIError {
    /// The typed error for a non-2xx response: decodes `metav1.Status` when the body is one.
    public static func fromResponse(code: Int, body: [UInt8], retryAfterHeader: String? = nil) -> KubeAPIError {
        let status = (try? JSONValue.parse(body)).flatMap { Status(json: $0) }
        var message = status?.message ?? ""
        if message.isEmpty {
            let text = String(decoding: body.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            message = text.isEmpty ? "HTTP \(code) with an empty body" : "HTTP \(code): \(text)"
        }
        var retryAfter: Duration?
        if let header = retryAfterHeader, let seconds = Int(header), seconds >= 0 {
            retryAfter = clampedRetryAfter(seconds)
        } else if let seconds = status?.details?.retryAfterSeconds, seconds >= 0 {
            retryAfter = clampedRetryAfter(seconds)
        }
        return KubeAPIError(reason: reason(code: code, statusReason: status?.reason), code: code, message: message,
                            status: status, retryAfter: retryAfter)
    }

    /// The error carried by a watch `ERROR` event (or any `metav1.Status` failure).
    public init(status: Status) {
        let code = status.code ?? 0
        self.init(reason: Self.reason(code: code, statusReason: status.reason), code: code,
                  message: status.message ?? status.reason ?? "unknown error", status: status,
                  retryAfter: status.details?.retryAfterSeconds.flatMap { $0 >= 0 ? Self.clampedRetryAfter($0) : nil })
    }

    /// The longest `Retry-After` honoured (a server's or proxy's value is outside data): one hour.
    /// Longer waits are cut to it; `Task.sleep` would trap on seconds near `Int64.max`.
    public static let maxRetryAfter: Duration = .seconds(3600)

    static func clampedRetryAfter(_ seconds: Int) -> Duration {
        seconds >= 3600 ? maxRetryAfter : .seconds(seconds)
    }

    /// HTTP code first, `Status.reason` to split 409 and when the code is missing.
    static func reason(code: Int, statusReason: String?) -> Reason {
        switch code {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 409: return statusReason == "AlreadyExists" ? .alreadyExists : .conflict
        case 410: return .gone
        case 422: return .invalid
        case 429: return .tooManyRequests
        case 500..<600: return .serverError
        default: break
        }
        switch statusReason {
        case "BadRequest": return .badRequest
        case "Unauthorized": return .unauthorized
        case "Forbidden": return .forbidden
        case "NotFound": return .notFound
        case "MethodNotAllowed": return .methodNotAllowed
        case "AlreadyExists": return .alreadyExists
        case "Conflict": return .conflict
        case "Gone", "Expired": return .gone
        case "Invalid": return .invalid
        case "TooManyRequests": return .tooManyRequests
        case "InternalError", "ServiceUnavailable": return .serverError
        case "Timeout": return .timeout
        default: return .other
        }
    }
}
