import ControllerRuntime
import Hummingbird
import NIOCore

/// What every status-page request passes before its route: a Host the page answers to
/// (`AllowedHosts`, else 421 with a one-line reason and no data) and the client's request budget
/// (`ClientRateLimiter`, else 429 with Retry-After). Only the API's data requests are charged:
/// the page's HTML and assets are constants, and event streams have caps of their own
/// (`EventStreams`).
struct StatusPageGate: RouterMiddleware {
    typealias Context = ConnectionRequestContext

    let hosts: AllowedHosts
    let limiter: ClientRateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // A second Host field (the first becomes the authority) could be the one a proxy routed by.
        guard hosts.allows(host: request.head.authority), !request.headers.contains(where: { $0.name.canonicalName == "host" }) else {
            return Self.refusal(.misdirectedRequest, "this host name is not served here: open the page by IP address or localhost, or list the name in --web-allowed-hosts")
        }
        let path = request.uri.path
        if path.hasPrefix("/api/"), path != "/api/v1/events", let seconds = limiter.admit(ClientAddress(context.remoteAddress)) {
            var response = Self.refusal(.tooManyRequests, "too many requests from this address; retry in \(seconds) s")
            response.headers[.retryAfter] = String(seconds)
            return response
        }
        return try await next(request, context)
    }

    static func refusal(_ status: HTTPResponse.Status, _ reason: String) -> Response {
        Response(status: status, headers: StatusPageRoutes.headers("text/plain; charset=utf-8"),
                 body: ResponseBody(byteBuffer: ByteBuffer(string: "\(status.code) \(status.reasonPhrase): \(reason)\n")))
    }
}
