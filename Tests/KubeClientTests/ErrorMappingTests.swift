import KubeCore
import Testing
@testable import KubeClient

@Suite struct ErrorMappingTests {
    static func body(_ code: Int, _ reason: String, retry: Int? = nil) -> [UInt8] {
        Status(message: "msg \(reason)", reason: reason, code: code,
               details: retry.map { Status.Details(retryAfterSeconds: $0) }).json.serialized()
    }

    @Test(arguments: [
        (400, "BadRequest", KubeAPIError.Reason.badRequest), (401, "Unauthorized", .unauthorized),
        (403, "Forbidden", .forbidden), (404, "NotFound", .notFound), (405, "MethodNotAllowed", .methodNotAllowed),
        (409, "AlreadyExists", .alreadyExists), (409, "Conflict", .conflict), (410, "Gone", .gone),
        (422, "Invalid", .invalid), (429, "TooManyRequests", .tooManyRequests), (500, "InternalError", .serverError),
        (503, "ServiceUnavailable", .serverError), (418, "Teapot", .other),
    ])
    func statusCodesMapToReasons(_ code: Int, _ reason: String, _ expected: KubeAPIError.Reason) {
        let error = KubeAPIError.fromResponse(code: code, body: Self.body(code, reason))
        #expect(error.reason == expected)
        #expect(error.code == code)
        #expect(error.message == "msg \(reason)")
        #expect(error.status?.reason == reason)
    }

    @Test func retryAfterFromHeaderThenDetails() {
        let header = KubeAPIError.fromResponse(code: 429, body: Self.body(429, "TooManyRequests", retry: 2), retryAfterHeader: "7")
        #expect(header.retryAfter == .seconds(7))
        let details = KubeAPIError.fromResponse(code: 429, body: Self.body(429, "TooManyRequests", retry: 2))
        #expect(details.retryAfter == .seconds(2))
    }

    @Test func nonStatusBodyStillGivesAClearError() {
        let error = KubeAPIError.fromResponse(code: 502, body: Array("<html>bad gateway</html>".utf8))
        #expect(error.reason == .serverError)
        #expect(error.status == nil)
        #expect(error.message.contains("bad gateway"))
        let empty = KubeAPIError.fromResponse(code: 403, body: [])
        #expect(empty.reason == .forbidden)
        #expect(empty.message.contains("403"))
    }

    @Test func watchErrorStatusMapsExpiredToGone() {
        let expired = KubeAPIError(status: Status(message: "too old", reason: "Expired", code: 410))
        #expect(expired.reason == .gone)
        let noCode = KubeAPIError(status: Status(message: "too old", reason: "Expired"))
        #expect(noCode.reason == .gone)
        #expect(noCode.code == 0)
    }
}
