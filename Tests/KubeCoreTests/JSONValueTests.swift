import Testing
@testable import KubeCore

@Suite struct JSONValueTests {
    @Test func parsesScalarsAndNesting() throws {
        let v = try JSONValue.parse(#"{"a": [1, -2.5, true, false, null, "x"], "b": {"c": "d"}, "big": 9007199254740993}"#)
        #expect(v["a"][0] == .int(1))
        #expect(v["a"][1] == .double(-2.5))
        #expect(v["a"][2] == .bool(true))
        #expect(v["a"][4] == .null)
        #expect(v[path: "b", "c"].string == "d")
        #expect(v["big"].int == 9007199254740993)
        #expect(v["missing"]["deeper"].isNull)
    }

    @Test func decodesEscapesAndUnicode() throws {
        let v = try JSONValue.parse(#""line\n\ttab \"q\" \\ \/ \u00e9 \ud83d\ude00 é""#)
        #expect(v.string == "line\n\ttab \"q\" \\ / é 😀 é")
    }

    @Test func roundTripsThroughSerializer() throws {
        let text = #"{"b":[1,2.5,"s\n\u0001"],"a":{"z":null,"y":false}}"#
        let v = try JSONValue.parse(text)
        let out = v.serializedString()
        #expect(out == #"{"a":{"y":false,"z":null},"b":[1,2.5,"s\n\u0001"]}"#)
        #expect(try JSONValue.parse(out) == v)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01x", "-", "1.", "1e", "{\"a\":1} x", "\"\u{01}\""])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func rejectsDeepNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deep) }
    }

    @Test func subscriptSetterBuildsObjects() {
        var v: JSONValue = .null
        v["metadata"]["name"] = "flux"
        v["metadata"]["labels"] = ["a": "b"]
        #expect(v.name == "flux")
        #expect(v.labels == ["a": "b"])
        v["metadata"]["labels"] = .null
        #expect(v.metadata.object?.keys.contains("labels") == false)
    }

    @Test func watchEventDecoding() throws {
        let e = try WatchEvent(json: try JSONValue.parse(#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"12"}}}"#))
        #expect(e.type == .bookmark)
        #expect(e.object.resourceVersion == "12")
        #expect(throws: JSONParseError.self) { try WatchEvent(json: ["type": "NOPE", "object": [:]]) }
    }

    @Test func statusDecoding() {
        let s = Status(json: ["kind": "Status", "code": 429, "reason": "TooManyRequests", "details": ["retryAfterSeconds": 3]])
        #expect(s?.code == 429)
        #expect(s?.details?.retryAfterSeconds == 3)
        #expect(Status(json: ["kind": "Pod"]) == nil)
    }

    @Test func resourcePaths() {
        let gvr = GroupVersionResource.deployments
        #expect(gvr.collectionPath(namespace: "flux-system") == "/apis/apps/v1/namespaces/flux-system/deployments")
        #expect(gvr.collectionPath(namespace: nil) == "/apis/apps/v1/deployments")
        #expect(GroupVersionResource.nodes.objectPath(namespace: "x", name: "n1") == "/api/v1/nodes/n1")
        let reports = GroupVersionResource(group: "fluxcd.controlplane.io", version: "v1", resource: "fluxreports", kind: "FluxReport")
        #expect(reports.objectPath(namespace: "flux-system", name: "flux", subresource: "status")
            == "/apis/fluxcd.controlplane.io/v1/namespaces/flux-system/fluxreports/flux/status")
        #expect(PathEscaping.escape("a b/c") == "a%20b%2Fc")
        #expect(PathEscaping.unescape("a%20b%2Fc") == "a b/c")
    }
}

/// The parser's depth limit guards the stack: the deepest accepted document parses (and is freed)
/// on a concurrency pool thread, and anything deeper fails with a clear error instead of a crash.
@Suite struct JSONDepthTests {
    @Test func deepestAcceptedDocumentParsesOnAPoolThread() async throws {
        let depth = JSONByteParser.maxDepth
        let ok = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let parsed = try await Task.detached { try JSONValue.parse(ok) }.value
        var level = parsed
        var count = 1
        while let inner = level.array?.first { level = inner; count += 1 }
        #expect(count == depth)
        let tooDeep = "[" + ok + "]"
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(tooDeep) }
        #expect(error?.message == "nesting too deep")
    }

    @Test func tenThousandNestedObjectsFailCleanly() async {
        let deep = String(repeating: #"{"a":"#, count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        let result = await Task.detached { Result { () throws(JSONParseError) -> JSONValue in try JSONValue.parse(deep) } }.value
        guard case .failure(let error) = result else { Issue.record("parsed 10,000 nested objects"); return }
        #expect(error.message == "nesting too deep")
    }
}
