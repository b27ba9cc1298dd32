import FluxReport
import KubeCore
import Testing

@Suite struct EncodingTests {
    static let tricky = FluxReportSpec(
        distribution: FluxDistributionStatus(entitlement: "true", status: "Installed", version: "1.5", managedBy: "null"),
        cluster: ClusterInfo(serverVersion: "1", platform: "~", nodes: 2),
        operator: OperatorInfo(version: "0x10", platform: "yes"),
        components: [FluxComponentStatus(name: "on", ready: false, status: " leading: colon # hash", image: "2024-01-01")],
        reconcilers: [FluxReconcilerStatus(apiVersion: "a/v1", kind: "K", stats: FluxReconcilerStats(running: 1, failing: 0, suspended: 0, totalSize: "1.2 KiB"))],
        sync: FluxSyncStatus(id: "kustomization/x", path: "./", ready: false, status: "line one\nline \"two\"\n", source: "'quoted'"))

    @Test func yamlRoundTripsAmbiguousStrings() throws {
        let yaml = try Self.tricky.document.renderYAML()
        #expect(yaml.contains("entitlement: \"true\""))
        #expect(yaml.contains("serverVersion: \"1\""))
        let parsed = try yamlDocuments(yaml)
        #expect(parsed == [Self.tricky.toJSON()])
        #expect(FluxReportSpec(json: parsed.first ?? .null) == Self.tricky)
    }

    @Test func fieldOrderFollowsTheSpec() throws {
        let yaml = try Self.tricky.document.renderYAML()
        let keys = yaml.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("-") }.map { $0.split(separator: ":")[0] }
        #expect(keys == ["distribution", "cluster", "operator", "components", "reconcilers", "sync"])
        let json = Self.tricky.document.renderJSON()
        let positions = ["\"entitlement\"", "\"status\"", "\"version\"", "\"managedBy\""].compactMap { json.range(of: $0)?.lowerBound }
        #expect(positions.count == 4 && positions == positions.sorted())
    }

    @Test func jsonTextRoundTrips() throws {
        let report = FluxReportObject(namespace: "flux-system", spec: Self.tricky,
                                status: FluxReportStatus(conditions: [Condition(type: "Ready", status: "True", reason: "ReconciliationSucceeded",
                                                                               message: "Reporting finished in 1s", lastTransitionTime: "2024-05-01T12:00:00Z",
                                                                               observedGeneration: 3)],
                                                         lastHandledReconcileAt: "1714564800"),
                                annotations: [ReportAnnotations.requestedAt: "1714564800"])
        let parsed = try JSONValue.parse(report.renderJSON())
        #expect(parsed == report.document.json)
        #expect(try FluxReportObject(json: parsed) == report)
        let yamlParsed = try yamlDocuments(try report.renderYAML())
        #expect(yamlParsed == [report.document.json])
    }

    @Test func applyBodies() {
        let report = FluxReportObject(namespace: "flux-system", spec: Self.tricky, status: FluxReportStatus(lastHandledReconcileAt: "x"))
        let body = report.applyBody()
        #expect(body.apiVersion == "fluxcd.controlplane.io/v1")
        #expect(body.kind == "FluxReport")
        #expect(body.name == "flux")
        #expect(body["status"].isNull)
        #expect(body["spec"] == Self.tricky.toJSON())
        let status = report.statusApplyBody()
        #expect(status["spec"].isNull)
        #expect(status[path: "status", "lastHandledReconcileAt"] == "x")
    }

    @Test func omitsEmptyOptionalParts() {
        let spec = FluxReportSpec(distribution: FluxDistributionStatus(entitlement: "Unknown", status: "Not Installed"),
                                  cluster: ClusterInfo(serverVersion: "v1.30.0", platform: "linux/amd64", nodes: 0))
        #expect(spec.toJSON() == ["distribution": ["entitlement": "Unknown", "status": "Not Installed"],
                                  "cluster": ["serverVersion": "v1.30.0", "platform": "linux/amd64"]])
    }

    @Test func lenientParsing() throws {
        #expect(throws: ReportDecodingError.self) { try FluxReportObject(json: "not an object") }
        #expect(throws: ReportDecodingError.self) { try FluxReportObject(json: ["kind": "ConfigMap"]) }
        let odd: JSONValue = [
            "kind": "FluxReport", "metadata": ["name": "flux", "namespace": "flux-system"],
            "spec": ["distribution": "x", "components": [["name": "a", "ready": "yes"], 5], "reconcilers": [["kind": "K"]],
                     "sync": ["ready": true], "cluster": "none"],
            "status": ["conditions": [["type": "Ready", "status": "True"], "junk"], "lastHandledReconcileAt": 5],
        ]
        let r = try FluxReportObject(json: odd)
        #expect(r.spec.distribution == FluxDistributionStatus(entitlement: "Unknown", status: "Unknown"))
        #expect(r.spec.components == [FluxComponentStatus(name: "a", ready: false, status: "", image: "")])
        #expect(r.spec.reconcilers.isEmpty)
        #expect(r.spec.sync == nil)
        #expect(r.spec.cluster == nil)
        #expect(r.status.conditions.count == 1)
        #expect(r.status.lastHandledReconcileAt == nil)
    }

    /// `nodes` is encoded with omitempty (0 is absent), so zero and negative counts decode as absent:
    /// a report round-trips whatever count it was read with (a case fuzz-report finds).
    @Test(arguments: [Int64(0), -3, Int64.min])
    func nonPositiveNodeCountsRoundTrip(nodes: Int64) throws {
        let json: JSONValue = [
            "apiVersion": "fluxcd.controlplane.io/v1", "kind": "FluxReport",
            "metadata": ["name": "flux", "namespace": "flux-system"],
            "spec": [
                "distribution": ["entitlement": "Unknown", "status": "Installed"],
                "cluster": ["serverVersion": "v1.32.2", "platform": "linux/amd64", "nodes": .int(nodes)],
            ],
        ]
        let report = try FluxReportObject(json: json)
        #expect(report.spec.cluster?.nodes == nil)
        #expect(try FluxReportObject(json: report.document.json) == report)
    }
}
