import Hummingbird
import HummingbirdCore
import KubeCore

/// Response builders and request helpers shared by the API and control endpoints.
enum HTTPSupport {
    static func json(_ value: JSONValue, code: Int = 200) -> Response { bytes(value.serialized(), code: code) }

    static func bytes(_ bytes: [UInt8], code: Int = 200) -> Response {
        Response(status: HTTPResponse.Status(code: code),
                 headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func error(_ error: APIError) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retry = error.retryAfter { headers[.retryAfter] = String(retry) }
        var body = error.status.json
        // kubectl prints 422s from `details.causes`; the message after "is invalid: " is the cause.
        if error.code == 422, let message = error.status.message, let r = message.firstRange(of: "is invalid: ") {
            let cause = String(message[r.upperBound...])
            var field = ""
            if let colon = cause.firstIndex(of: ":"), !cause[..<colon].contains(" ") { field = String(cause[..<colon]) }
            body["details"]["causes"] = [["reason": "FieldValueInvalid", "message": .string(cause), "field": .string(field)]]
        }
        return Response(status: HTTPResponse.Status(code: error.code), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }

    /// Query parameters, percent-decoded; the last value wins.
    static func query(_ uri: URI) -> [String: String] {
        guard let query = uri.query, !query.isEmpty else { return [:] }
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            if let eq = pair.firstIndex(of: "=") {
                out[PathEscaping.unescape(String(pair[..<eq]))] = PathEscaping.unescape(String(pair[pair.index(after: eq)...]))
            } else {
                out[PathEscaping.unescape(String(pair))] = ""
            }
        }
        return out
    }

    static func isTrue(_ value: String?) -> Bool { value == "true" || value == "1" }
}
