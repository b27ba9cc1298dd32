import FluxReport
import KubeCore
import Testing
import TestSupport
@testable import FluxReportOperator

/// `/api/v1/problems` over HTTP (the diagnosis itself: FluxReportTests' DiagnosisModelTests) and
/// every route under `--web-base-path`.
@Suite struct ProblemsRouteTests {
    static let localhost = ["Host: localhost"]

    @Test func answersTheDiagnosisDocumentAndRefusesBadLimits() async throws {
        try await StatusPageServer.run { server in
            let ok = try await RawConnection.request(port: server.port, path: "/api/v1/problems?limit=5", headers: Self.localhost)
            #expect(ok.status == 200)
            let body = try JSONValue.parse(Array(ok.body.utf8))
            #expect(body["headline"].string == "All 0 Flux objects are Ready")
            #expect(body["counts"]["objects"].int == 0 && body["rootCauses"]["items"].array?.isEmpty == true)
            for field in ["failing", "stale", "drifted", "longSuspended"] { #expect(body[field]["more"].int == 0, "\(field)") }
            for bad in ["limit=0", "limit=1001", "limit=-1", "limit=1e3", "limit=%zz", "limit=1&limit=2", "other=1"] {
                let refused = try await RawConnection.request(port: server.port, path: "/api/v1/problems?\(bad)", headers: Self.localhost)
                #expect(refused.status == 400, "\(bad)")
                #expect(try JSONValue.parse(Array(refused.body.utf8))["error"].string?.isEmpty == false, "\(bad)")
            }
        }
    }

    @Test func everyRouteIsUnderTheBasePath() async throws {
        let basePath = try WebBasePath(parsing: "/flux/status")
        try await StatusPageServer.run(basePath: basePath) { server in
            func status(_ path: String) async throws -> Int {
                try await RawConnection.request(port: server.port, path: path, headers: Self.localhost).status
            }
            for route in ["/", "/resources", "/api/v1/problems", "/api/v1/resources", "/assets/app.js", "/assets/common.js"] {
                #expect(try await status(basePath.route(route)) == 200, "\(route)")
                if route != "/" { #expect(try await status(route) == 404, "\(route) outside the prefix") }
            }
            let page = try await RawConnection.request(port: server.port, path: "/flux/status/", headers: Self.localhost)
            #expect(page.body.contains("data-base=\"/flux/status\"") && page.body.contains("src=\"/flux/status/assets/app.js\""))
        }
    }
}
