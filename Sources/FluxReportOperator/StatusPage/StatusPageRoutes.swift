import Foundation
import ControllerRuntime
import FluxReport
import Hummingbird
import KubeCore
import NIOCore

/// The status page's routes. Only GET: the page is read-only (no actions, no Secrets, no object
/// specs beyond what the report and the metrics already show); other methods get 404/405 from
/// the router.
enum StatusPageRoutes {
    /// Every route under `basePath` (`--web-base-path`); other paths get 404.
    static func router(page: StatusPageData, gate: StatusPageGate, basePath: WebBasePath = WebBasePath()) -> Router<ConnectionRequestContext> {
        let router = Router(context: ConnectionRequestContext.self)
        func at(_ route: String) -> RouterPath { RouterPath(basePath.route(route)) }
        // First: the routes added after it are behind it, and so is "not found".
        router.add(middleware: gate)
        // The pages: one shell, the script renders the view the path names.
        let html = StatusPageAssets.html(basePath: basePath.path)
        for path in ["/", "/resources", "/resource", "/events", "/graph"] {
            router.get(at(path)) { _, _ in
                var response = text(html, type: "text/html; charset=utf-8")
                // Not kept in the back/forward cache: a cached page would hold its event stream's
                // connection open, and browsers allow only six per host over HTTP/1.1.
                response.headers[.cacheControl] = "no-store"
                return response
            }
        }
        for (name, file) in StatusPageAssets.files {
            router.get(at("/assets/\(name)")) { _, _ in asset(file) }
        }

        router.get(at("/api/v1/report")) { _, _ in
            // The FluxReport spec exactly as the operator writes it, in the report's field order.
            let computed = await page.report.current()
            return text(computed.specJSON, type: "application/json")
        }
        router.get(at("/api/v1/overview")) { _, _ in json(await page.overview()) }
        router.get(at("/api/v1/resources")) { request, _ in
            do throws(QueryError) {
                let query = try ResourceQuery(parameters: try parameters(request))
                return json(await page.resources(query))
            } catch {
                return Self.error(.badRequest, error.message)
            }
        }
        router.get(at("/api/v1/resource")) { request, _ in
            do throws(QueryError) {
                let key = try objectKey(parameters(request))
                guard let detail = await page.resource(key) else { return notFound(key) }
                return json(detail)
            } catch {
                return Self.error(.badRequest, error.message)
            }
        }
        router.get(at("/api/v1/events")) { _, context in page.streams.response(for: ClientAddress(context.remoteAddress)) }
        router.get(at("/api/v1/problems")) { request, _ in
            do throws(QueryError) {
                return json(await page.problems(limit: try problemsLimit(try parameters(request))))
            } catch {
                return Self.error(.badRequest, error.message)
            }
        }
        router.get(at("/api/v1/graph")) { request, _ in
            do throws(QueryError) {
                let query = try GraphQuery.object(parameters(request))
                guard let graph = await page.graph(query) else { return query.key.map(notFound) ?? Self.error(.notFound, "not found") }
                return json(graph)
            } catch {
                return Self.error(.badRequest, error.message)
            }
        }
        router.get(at("/api/v1/rootcauses")) { request, _ in
            do throws(QueryError) {
                return json(await page.rootCauses(try GraphQuery.cluster(parameters(request))))
            } catch {
                return Self.error(.badRequest, error.message)
            }
        }
        if page.mcp { MCPRoute.mount(on: router, basePath: basePath, OperatorTools(view: page.view)) }
        return router
    }

    static func parameters(_ request: Request) throws(QueryError) -> [(name: String, value: String)] {
        try parameters(query: request.uri.query ?? "")
    }

    /// The query string's parameters in order, decoded as browsers encode them: `+` is a space (a
    /// URL shared from a form: `q=kind:HelmRelease+status:failing`), `%2B` a plus. Bad
    /// percent-encoding is a 400, not a value taken as typed.
    static func parameters(query: String) throws(QueryError) -> [(name: String, value: String)] {
        var out: [(name: String, value: String)] = []
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) throws(QueryError) -> String {
                guard let decoded = text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw QueryError("malformed percent-encoding in \"\(ResourceQuery.clip(String(text)))\"")
                }
                return decoded
            }
            out.append((name: try decode(parts[0]), value: parts.count > 1 ? try decode(parts[1]) : ""))
        }
        return out
    }

    static let defaultProblemsLimit = 10

    /// `/api/v1/problems`'s only parameter: `limit`, entries per list (default 10, at most
    /// `DiagnosisSettings.maxItems`).
    static func problemsLimit(_ parameters: [(name: String, value: String)]) throws(QueryError) -> Int {
        var limit: Int?
        for (name, value) in parameters {
            guard name == "limit" else { throw QueryError("unknown parameter \"\(ResourceQuery.clip(name))\": want limit") }
            guard limit == nil else { throw QueryError("parameter \"limit\" given more than once") }
            limit = try ResourceQuery.limit(value, max: DiagnosisSettings.maxItems)
        }
        return limit ?? defaultProblemsLimit
    }

    /// `kind`, `namespace` and `name`, all required and well-formed.
    static func objectKey(_ parameters: [(name: String, value: String)]) throws(QueryError) -> ResourceKey {
        var values: [String: String] = [:]
        for (name, value) in parameters {
            guard ["kind", "namespace", "name"].contains(name) else { throw QueryError("unknown parameter: want kind, namespace and name") }
            guard values.updateValue(value, forKey: name) == nil else { throw QueryError("parameter \"\(name)\" given more than once") }
        }
        // The list query validates kind and namespace the same way.
        let query = try ResourceQuery(parameters: [("kind", values["kind"] ?? ""), ("namespace", values["namespace"] ?? "")])
        guard let kind = query.kind else { throw QueryError("kind is required") }
        guard let name = values["name"], !name.isEmpty, name.utf8.count <= 253,
              name.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "/") }) else {
            throw QueryError("name is required: an object name")
        }
        return ResourceKey(kind: kind, namespace: query.namespace ?? "", name: name)
    }

    static func notFound(_ key: ResourceKey) -> Response {
        error(.notFound, "\(key.kind) \(key.namespace)/\(key.name) not found")
    }

    static func json(_ value: JSONValue) -> Response { json(value.serialized()) }

    static func json(_ serialized: [UInt8]) -> Response {
        Response(status: .ok, headers: headers("application/json"), body: ResponseBody(byteBuffer: ByteBuffer(bytes: serialized)))
    }

    static func text(_ body: String, type: String) -> Response {
        Response(status: .ok, headers: headers(type), body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func asset(_ file: StatusPageAssets.Asset) -> Response {
        var response = Response(status: .ok, headers: headers(file.type), body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
        response.headers[.cacheControl] = "no-cache"
        return response
    }

    /// `{"error": "..."}` with the status.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let body: JSONValue = ["error": .string(message)]
        return Response(status: status, headers: headers("application/json"), body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }

    /// Every response: its type, no sniffing, and a policy that allows only this origin's own
    /// script and style (every asset is embedded; no CDN, no inline script).
    static func headers(_ type: String) -> HTTPFields {
        [
            .contentType: type,
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ]
    }
}
