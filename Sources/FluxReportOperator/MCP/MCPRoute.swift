import Foundation
import Hummingbird
import KubeCore
import Logging
import MCP
import NIOCore

/// `/mcp` on the status page's router (`--mcp`): MCP over Streamable HTTP, stateless. Each POST
/// is answered on its own by a fresh MCP server (no session to keep, nothing held between
/// requests), with a single JSON response; GET and DELETE (server-sent streams, sessions) get 405.
/// On the page's router it is behind the same Host checks, connection and rate limits.
enum MCPRoute {
    static let path = "/mcp"
    /// Largest request body read; a tool's arguments are a few hundred bytes.
    static let maxBodyBytes = 4 << 20

    /// At `path` under `basePath` (`--web-base-path`).
    static func mount<Context: Hummingbird.RequestContext>(on router: Router<Context>, basePath: WebBasePath = WebBasePath(),
                                                           _ provider: any ToolProvider) {
        let path = basePath.route(Self.path)
        router.on(RouterPath(path), method: .post) { request, _ in await answer(request, provider) }
        let notAllowed: MCP.HTTPResponse = .error(statusCode: 405, .invalidRequest("Method Not Allowed: this server is stateless; POST JSON-RPC messages"),
                                                  extraHeaders: [HTTPHeaderName.allow: "POST"])
        router.get(RouterPath(path)) { _, _ in respond(notAllowed) }
        router.delete(RouterPath(path)) { _, _ in respond(notAllowed) }
    }

    static func answer(_ request: Request, _ provider: any ToolProvider) async -> Response {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            return respond(.error(statusCode: 413, .invalidRequest("Request too large: at most \(maxBodyBytes) bytes")))
        }
        let bytes = Data(body.readableBytesView)
        if case .reject(let code, let message, let id) = JSONRPCScreen.check(bytes) {
            return Response(status: .badRequest, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: JSONRPCScreen.response(code: code, message: message, id: id))))
        }
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { "\($0), \(field.value)" } ?? field.value
        }
        if let authority = request.head.authority { headers[HTTPHeaderName.host] = authority }
        let transport = StatelessHTTPServerTransport(validationPipeline: StandardValidationPipeline(validators: [
            SameOriginValidator(), AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
        ]))
        let server = await MCPServerFactory.server(provider)
        do {
            try await server.start(transport: transport)
        } catch {
            return respond(.error(statusCode: 500, .internalError("cannot start the MCP server: \(error)")))
        }
        let response = await transport.handleRequest(MCP.HTTPRequest(method: "POST", headers: headers, body: bytes, path: path))
        await server.stop()
        return respond(response)
    }

    static func respond(_ response: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        // The stateless transport sets only these two.
        for (name, value) in response.headers {
            switch name.lowercased() {
            case "content-type": fields[.contentType] = value
            case "allow": fields[.allow] = value
            default: break
            }
        }
        fields[.xContentTypeOptions] = "nosniff"
        fields[.cacheControl] = "no-store"
        let body = response.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(bytes: $0)) } ?? ResponseBody()
        return Response(status: .init(code: response.statusCode), headers: fields, body: body)
    }
}

/// A browser's request from another origin is refused (403), whatever its Host: a page elsewhere
/// cannot call the tools through a user's `kubectl port-forward`. Clients that are not browsers
/// send no Origin.
struct SameOriginValidator: HTTPRequestValidator {
    func validate(_ request: MCP.HTTPRequest, context: HTTPValidationContext) -> MCP.HTTPResponse? {
        guard let origin = request.header(HTTPHeaderName.origin) else { return nil }
        let host = request.header(HTTPHeaderName.host)?.lowercased()
        let originHost = origin.lowercased().split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        guard let host, let originHost, host == originHost else {
            return .error(statusCode: 403, .invalidRequest("Forbidden: Origin \(ToolArguments.clip(origin)) is not this server"))
        }
        return nil
    }
}
