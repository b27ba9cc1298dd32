import Foundation
import FluxReport
import KubeCore
import TestSupport
import Testing

/// Every report the code writes must be accepted by the CRD's structural schema. The check runs the
/// Python `jsonschema` package on the CRD's openAPIV3Schema, made strict the way the API server is for
/// structural schemas: unknown fields are rejected (`additionalProperties: false` wherever properties are declared).
@Suite struct SchemaTests {
    static let validator = #"""
import json, sys, yaml, jsonschema

def strict(node):
    if isinstance(node, dict):
        node = {k: strict(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        return node
    if isinstance(node, list):
        return [strict(v) for v in node]
    return node

def structural(node, path):
    # Structural schema: every property, item and object has a type.
    if "type" not in node:
        return [path + ": no type"]
    out = []
    for name, sub in node.get("properties", {}).items():
        out += structural(sub, path + "." + name)
    if "items" in node:
        out += structural(node["items"], path + "[]")
    return out

crd = yaml.safe_load(open(sys.argv[1]))
version = crd["spec"]["versions"][0]
schema = version["schema"]["openAPIV3Schema"]
problems = structural(schema, "openAPIV3Schema")
rules = schema.get("x-kubernetes-validations", [])
if rules != [{"message": "the only accepted name for a FluxReport is 'flux'", "rule": "self.metadata.name == 'flux'"}]:
    problems.append("validation rule missing or changed: %r" % rules)
schema = strict(schema)
schema["properties"]["metadata"] = {"type": "object"}
for i, doc in enumerate(json.load(sys.stdin)):
    for error in jsonschema.Draft7Validator(schema).iter_errors(doc):
        problems.append("report %d: %s at %s" % (i, error.message, "/".join(map(str, error.path))))
print("\n".join(problems))
"""#

    /// Problems found by the validator (empty when every document is valid).
    static func validate(_ documents: [JSONValue]) async throws -> [String] {
        let outcome = try await ChildProcess.run("python3", ["-c", validator, Fixtures.crdPath], input: JSONValue.array(documents).serialized())
        guard outcome.status == 0 else { throw FixtureError("validator failed (\(outcome.termination)): \(outcome.stdout)\(outcome.stderr)") }
        return outcome.stdout.split(separator: "\n").map(String.init)
    }

    @Test func everyReportIsAccepted() async throws {
        var documents = try GoldenTests.reports().map { $0.report.document.json }
        documents.append(FluxReportObject(namespace: "flux-system", spec: EncodingTests.tricky).document.json)
        #expect(documents.count == 5)
        #expect(try await Self.validate(documents) == [])
    }

    @Test func validatorRejectsBadReports() async throws {
        var good = FluxReportObject(namespace: "flux-system", spec: EncodingTests.tricky).document.json
        good["spec"]["components"] = [["name": "x", "ready": "yes", "status": "s", "image": "i"]]
        var unknown = FluxReportObject(namespace: "flux-system", spec: EncodingTests.tricky).document.json
        unknown["spec"]["cluster"]["region"] = "eu"
        var missing = FluxReportObject(namespace: "flux-system", spec: EncodingTests.tricky).document.json
        missing["spec"]["distribution"]["status"] = .null
        let problems = try await Self.validate([good, unknown, missing])
        #expect(problems.count == 3)
        #expect(problems.contains { $0.hasPrefix("report 0:") && $0.contains("components/0/ready") })
        #expect(problems.contains { $0.hasPrefix("report 1:") && $0.contains("region") })
        #expect(problems.contains { $0.hasPrefix("report 2:") && $0.contains("'status' is a required property") })
    }

    /// Field paths below a schema node (`spec.components[].name`), leaves only.
    static func schemaPaths(_ node: JSONValue, _ prefix: String) -> Set<String> {
        if node["type"].string == "array" { return schemaPaths(node["items"], prefix + "[]") }
        guard let properties = node["properties"].object, !properties.isEmpty else { return [prefix] }
        return properties.reduce(into: []) { $0.formUnion(schemaPaths($1.value, prefix + "." + $1.key)) }
    }

    /// Field paths of a document, in the same form.
    static func documentPaths(_ value: JSONValue, _ prefix: String) -> Set<String> {
        if let items = value.array { return items.reduce(into: []) { $0.formUnion(documentPaths($1, prefix + "[]")) } }
        guard let object = value.object, !object.isEmpty else { return [prefix] }
        return object.reduce(into: []) { $0.formUnion(documentPaths($1.value, prefix + "." + $1.key)) }
    }

    /// The Swift types are generated from the CRD (hack/tests/fluxreport_swift.py); their encoding and
    /// decoding are written by hand. A report with every optional field set writes exactly the fields
    /// of the schema and reads back to itself, so a field added to the CRD is also encoded and decoded.
    @Test func encodingCoversEveryFieldOfTheSchema() throws {
        let crd = try #require(try yamlDocuments(try Fixtures.readFile(Fixtures.crdPath)).first)
        let schema = crd[path: "spec", "versions"][0][path: "schema", "openAPIV3Schema"]
        let condition = Condition(type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "m",
                                  lastTransitionTime: "2024-05-01T12:00:00Z", observedGeneration: 3)
        let report = FluxReportObject(namespace: "flux-system", spec: EncodingTests.tricky,
                                      status: FluxReportStatus(conditions: [condition], lastHandledReconcileAt: "now"))
        let json = report.document.json
        for part in ["spec", "status"] {
            #expect(Self.documentPaths(json[part], part) == Self.schemaPaths(schema["properties"][part], part))
        }
        #expect(try FluxReportObject(json: json) == report)
    }

    @Test func crdNamesAndColumns() throws {
        let crd = try #require(try yamlDocuments(try Fixtures.readFile(Fixtures.crdPath)).first)
        #expect(crd.name == "fluxreports.fluxcd.controlplane.io")
        #expect(crd[path: "spec", "names"] == ["kind": "FluxReport", "listKind": "FluxReportList", "plural": "fluxreports",
                                                "singular": "fluxreport", "categories": ["fluxcd"]])
        #expect(crd[path: "spec", "scope"] == "Namespaced")
        let version = crd[path: "spec", "versions"][0]
        #expect(version["subresources"] == ["status": [:]])
        let columns = (version["additionalPrinterColumns"].array ?? []).map { "\($0["name"].string ?? ""):\($0["priority"].int ?? 0)" }
        // kubectl get fluxreport: NAME AGE READY STATUS LASTUPDATED, as the Flux Operator's; ENTITLEMENT only with -o wide.
        #expect(columns == ["Age:0", "Ready:0", "Status:0", "LastUpdated:0", "Entitlement:10"])
    }
}
