import Hummingbird
import KubeCore

/// The control API over HTTP, under `/_sim/` (no Kubernetes client uses that prefix). JSON bodies.
///
/// | request | effect |
/// | --- | --- |
/// | `POST /_sim/load?namespace=NS` (YAML or JSON, multi-document) | create or replace the objects, status included |
/// | `POST /_sim/status` `{"apiVersion","kind","namespace","name","status"}` | replace an object's status |
/// | `POST /_sim/faults` (a `Fault`: path, verb, code, times, delayMilliseconds, retryAfterSeconds, message, resetAfterBytes), `GET`, `DELETE /_sim/faults` | inject, list, clear faults |
/// | `POST /_sim/watches/drop` | end every open watch |
/// | `POST /_sim/compact` | forget history: older resourceVersions get 410 |
/// | `GET /_sim/counters`, `DELETE /_sim/counters` | request counts per verb and resource, reset |
/// | `POST /_sim/fleet` (a `FleetOptions`) | load a generated fleet |
/// | `GET /_sim/stats` | objects, resourceVersion, open watches |
struct ControlAPI {
    let core: SimCore

    func respond(_ request: inout Request) async throws -> Response {
        let path = request.uri.path
        let method = request.method
        let body = method == .post ? Array(buffer: try await request.collectBody(upTo: 256 << 20)) : []
        let query = HTTPSupport.query(request.uri)
        switch (method, path) {
        case (.post, "/_sim/load"):
            let text = String(decoding: body, as: UTF8.self)
            let objects: [JSONValue]
            do { objects = try YAMLDocuments.parse(text) } catch { throw APIError.badRequest(error.description) }
            let loaded = try loadOrFail(objects, namespace: query["namespace"])
            let summary: [JSONValue] = loaded.map {
                ["apiVersion": .string($0.apiVersion ?? ""), "kind": .string($0.kind ?? ""), "name": .string($0.name),
                 "namespace": $0.namespace.map { .string($0) } ?? .null, "resourceVersion": .string($0.resourceVersion ?? "")]
            }
            return HTTPSupport.json(["loaded": .int(Int64(loaded.count)), "objects": .array(summary)])
        case (.post, "/_sim/status"):
            let spec = try parse(body)
            guard let apiVersion = spec["apiVersion"].string, let kind = spec["kind"].string, !spec.name.isEmpty || spec["name"].string != nil else {
                throw APIError.badRequest("status needs apiVersion, kind, name and status")
            }
            let name = spec["name"].string ?? spec.name
            guard let info = core.store.resource(apiVersion: apiVersion, kind: kind) else {
                throw APIError.badRequest("no resource serves \(apiVersion), Kind=\(kind)")
            }
            let status = spec["status"]
            let result = try core.store.write(info, namespace: spec["namespace"].string, name: name, mode: .control) { old throws(APIError) in
                guard var new = old else { throw APIError.notFound(info, name) }
                new["status"] = status
                return new
            }
            return HTTPSupport.json(result.object)
        case (.post, "/_sim/faults"):
            let spec = try parse(body)
            guard let faultPath = spec["path"].string else { throw APIError.badRequest("a fault needs a path") }
            let fault = Fault(path: faultPath, verb: spec["verb"].string, code: spec["code"].int.map { Int($0) },
                              times: spec["times"].int.map { Int($0) }, delayMilliseconds: spec["delayMilliseconds"].int.map { Int($0) },
                              retryAfterSeconds: spec["retryAfterSeconds"].int.map { Int(clamping: $0) }, message: spec["message"].string,
                              resetAfterBytes: spec["resetAfterBytes"].int.map { Int(clamping: $0) })
            core.faults.add(fault)
            return HTTPSupport.json(["faults": .int(Int64(core.faults.active.count))])
        case (.get, "/_sim/faults"):
            return HTTPSupport.json(["faults": .array(core.faults.active.map(Self.json))])
        case (.delete, "/_sim/faults"):
            core.faults.clear()
            return HTTPSupport.json(["faults": 0])
        case (.post, "/_sim/watches/drop"):
            return HTTPSupport.json(["dropped": .int(Int64(core.store.dropAllWatches()))])
        case (.post, "/_sim/compact"):
            return HTTPSupport.json(["resourceVersion": .string(String(core.store.compact()))])
        case (.get, "/_sim/counters"):
            let counts: [JSONValue] = core.counters.snapshot().map {
                ["verb": .string($0.verb), "resource": .string($0.resource), "count": .int(Int64($0.count))]
            }
            return HTTPSupport.json(["counts": .array(counts)])
        case (.delete, "/_sim/counters"):
            core.counters.reset()
            return HTTPSupport.json(["counts": []])
        case (.post, "/_sim/fleet"):
            let options = try FleetOptions(json: try parse(body))
            var generator = FleetGenerator(options)
            var count = 0
            do {
                try generator.generate { object in
                    try KubeSim.loadOne(object, namespace: nil, into: core.store)
                    count += 1
                }
            } catch let error as APIError {
                throw error
            } catch {
                throw APIError.badRequest("\(error)")
            }
            return HTTPSupport.json(["loaded": .int(Int64(count))])
        case (.get, "/_sim/stats"):
            return HTTPSupport.json([
                "objects": .int(Int64(core.store.objectCount)),
                "resourceVersion": .string(String(core.store.currentResourceVersion)),
                "watches": .int(Int64(core.store.openWatchCount)),
            ])
        default:
            throw APIError.notFoundPath(path)
        }
    }

    func parse(_ body: [UInt8]) throws(APIError) -> JSONValue {
        do { return try JSONValue.parse(body) } catch { throw APIError.badRequest("invalid JSON body: \(error)") }
    }

    func loadOrFail(_ objects: [JSONValue], namespace: String?) throws(APIError) -> [JSONValue] {
        do {
            return try KubeSim.load(objects: objects, namespace: namespace, into: core.store)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("\(error)")
        }
    }

    static func json(_ fault: Fault) -> JSONValue {
        var out: JSONValue = ["path": .string(fault.path)]
        if let v = fault.verb { out["verb"] = .string(v) }
        if let v = fault.code { out["code"] = .int(Int64(v)) }
        if let v = fault.times { out["times"] = .int(Int64(v)) }
        if let v = fault.delayMilliseconds { out["delayMilliseconds"] = .int(Int64(v)) }
        if let v = fault.retryAfterSeconds { out["retryAfterSeconds"] = .int(Int64(v)) }
        if let v = fault.message { out["message"] = .string(v) }
        if let v = fault.resetAfterBytes { out["resetAfterBytes"] = .int(Int64(v)) }
        return out
    }
}
