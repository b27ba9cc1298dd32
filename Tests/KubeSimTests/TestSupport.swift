import Foundation
import KubeCore
import KubeSim
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A plain-HTTP simulator and a tiny URLSession client for the tests.
struct SimClient {
    let sim: KubeSim
    /// A session per simulator, not `URLSession.shared`: tests running in parallel then never
    /// queue behind each other's long watch requests in one shared connection pool.
    let session = URLSession(configuration: .ephemeral)

    struct Reply {
        var code: Int
        var body: JSONValue
        var raw: Data
        var headers: [String: String]
        /// Watch responses: one event per line.
        var lines: [JSONValue] {
            String(decoding: raw, as: UTF8.self).split(separator: "\n").compactMap { try? JSONValue.parse(String($0)) }
        }
    }

    static func start(_ configure: (inout KubeSimOptions) -> Void = { _ in }) async throws -> SimClient {
        var options = KubeSimOptions()
        options.plainHTTP = true
        options.token = "test-token"
        configure(&options)
        return SimClient(sim: try await KubeSim.start(options))
    }

    func request(_ method: String, _ path: String, json: JSONValue? = nil, body: String? = nil,
                 contentType: String = "application/json", token: String? = "test-token", timeout: TimeInterval = 30) async throws -> Reply {
        guard let url = URL(string: sim.url + path) else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = timeout
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = Data(json.serialized())
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        } else if let body {
            request.httpBody = Data(body.utf8)
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { headers[String(describing: k).lowercased()] = String(describing: v) }
        let parsed = (try? JSONValue.parse(Array(data))) ?? .null
        return Reply(code: http?.statusCode ?? 0, body: parsed, raw: data, headers: headers)
    }

    func get(_ path: String) async throws -> Reply { try await request("GET", path) }
    func post(_ path: String, _ json: JSONValue) async throws -> Reply { try await request("POST", path, json: json) }
    func put(_ path: String, _ json: JSONValue) async throws -> Reply { try await request("PUT", path, json: json) }
    func delete(_ path: String) async throws -> Reply { try await request("DELETE", path) }
    func patch(_ path: String, _ json: JSONValue, type: String = "application/merge-patch+json") async throws -> Reply {
        try await request("PATCH", path, json: json, contentType: type)
    }

    func stop() async {
        session.invalidateAndCancel()
        await sim.stop()
    }

    static func configMap(_ name: String, namespace: String = "default", labels: [String: String] = [:], data: [String: String] = ["k": "v"]) -> JSONValue {
        var labelsJSON: [String: JSONValue] = [:]
        for (k, v) in labels { labelsJSON[k] = .string(v) }
        var dataJSON: [String: JSONValue] = [:]
        for (k, v) in data { dataJSON[k] = .string(v) }
        return ["apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .object(labelsJSON)],
                "data": .object(dataJSON)]
    }

    /// A namespaced CRD with a status subresource (`widgets.example.com`, Kind `Widget`, versions v1 + v1beta1).
    static let widgetCRD: JSONValue = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "widgets.example.com"],
        "spec": ["group": "example.com", "scope": "Namespaced",
                 "names": ["kind": "Widget", "listKind": "WidgetList", "plural": "widgets", "singular": "widget", "shortNames": ["wd"]],
                 "versions": [
                    ["name": "v1", "served": true, "storage": true, "subresources": ["status": [:]],
                     "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]],
                    ["name": "v1beta1", "served": true, "storage": false, "subresources": ["status": [:]],
                     "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]],
                 ]]]

    static func widget(_ name: String, namespace: String = "default", spec: JSONValue = ["size": 1]) -> JSONValue {
        ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": .string(name), "namespace": .string(namespace)], "spec": spec]
    }
}

/// Runs a body against a fresh simulator and always stops it.
func withSim(_ configure: (inout KubeSimOptions) -> Void = { _ in }, _ body: (SimClient) async throws -> Void) async throws {
    let client = try await SimClient.start(configure)
    do {
        try await body(client)
    } catch {
        await client.stop()
        throw error
    }
    await client.stop()
}
