import FluxReport
import KubeCore
import Testing

/// Objects no controller would write but an API server accepts: megabyte labels and annotations,
/// thousands of conditions, deep nesting, wrong types. The projection stays small and sane, and
/// the report counts the other objects exactly as without them.
@Suite struct HostileObjectTests {
    static let mebibyte = String(repeating: "x", count: 1 << 20)

    /// An upper bound for any projection: every string field at its cap plus the label array.
    static func bound(labels: Int) -> Int {
        12 * (FluxObject.maxFieldBytes + 32) + FluxObject.maxMessageBytes + 32 + 32 + labels * (16 + FluxObject.maxFieldBytes + 32)
    }

    /// A GitRepository carrying 1 MiB in each of a kept label, an annotation, its url, branch,
    /// revision and Ready message, behind 5,000 other conditions.
    static func huge(name: String) -> JSONValue {
        var object = fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: name, namespace: "apps",
                                spec: ["url": .string("https://" + mebibyte), "ref": ["branch": .string(mebibyte)]],
                                status: ["artifact": ["revision": .string(mebibyte), "size": 12]],
                                labels: ["team": mebibyte, "other": mebibyte], annotations: ["note": mebibyte])
        var conditions: [JSONValue] = (0..<5_000).map { index in
            ["type": .string("Custom\(index)"), "status": "True", "reason": "Fine", "message": .string(String(repeating: "m", count: 200))]
        }
        conditions.append(["type": "Ready", "status": "False", "reason": "GitOperationFailed", "message": .string(mebibyte)])
        object["status"]["conditions"] = .array(conditions)
        return object
    }

    /// Wrong types everywhere the projection reads.
    static let wrongTypes: [JSONValue] = [
        ["apiVersion": 7, "kind": ["x"], "metadata": 12, "spec": "nope", "status": [1, 2, 3]],
        ["apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
         "metadata": ["name": ["a"], "namespace": 3, "uid": true, "labels": ["team", "x"], "annotations": "a=b"],
         "spec": ["url": 5, "ref": "main", "suspend": "true", "sourceRef": 1],
         "status": ["conditions": ["type": "Ready", "status": "True"], "artifact": ["size": "huge", "revision": ["r"]],
                    "inventory": ["entries": 42], "lastAppliedRevision": 1.5]],
        ["apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": ["name": "n", "namespace": "apps"],
         "status": ["conditions": [1, "Ready", ["type": 5], ["type": "Ready", "status": ["True"], "reason": 9, "message": [:]]],
                    "artifact": ["size": 1e300]]],
        ["apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "metadata": ["name": "n", "namespace": "apps"],
         "status": ["artifact": ["size": -5.0]]],
    ]

    @Test func megabyteFieldsAreCutToTheirCaps() {
        let object = FluxObject(json: Self.huge(name: "huge"), kind: "GitRepository", keepLabels: ["team", "other"])
        #expect(object.ready == .false)
        #expect(object.reason == "GitOperationFailed")
        #expect(object.isFailing)
        #expect(object.message.utf8.count <= FluxObject.maxMessageBytes)
        #expect(object.message.hasSuffix(FluxObject.truncationMarker))
        for value in [object.url, object.ref, object.revision] + object.labelValues {
            #expect(value.utf8.count <= FluxObject.maxFieldBytes)
            #expect(value.hasSuffix(FluxObject.truncationMarker))
        }
        #expect(object.url.hasPrefix("https://xxx"))
        #expect(object.artifactSize == 12)
        #expect(object.estimatedHeapBytes <= Self.bound(labels: 2), "\(object.estimatedHeapBytes) bytes")
        #expect(object.estimatedHeapBytes > 4 * FluxObject.maxFieldBytes)  // the estimate counts what is kept
    }

    @Test func wrongTypesProjectToDefaults() {
        for json in Self.wrongTypes {
            let object = FluxObject(json: json, kind: "GitRepository", keepLabels: ["team"])
            #expect(object.ready == .unknown || object.ready == .true, "\(json)")
            #expect(object.artifactSize >= 0)
            #expect(object.resources == 0)
            #expect(!object.suspended, "a string \"true\" is not a boolean")
            #expect(object.labelValues == [""])
            #expect(object.estimatedHeapBytes <= Self.bound(labels: 1))
        }
        let odd = FluxObject(json: Self.wrongTypes[1], kind: "GitRepository")
        #expect(odd.name == "" && odd.namespace == "" && odd.uid == "" && odd.url == "" && odd.revision == "")
        // `status.conditions` as an object, not a list: no Ready condition.
        #expect(odd.ready == .unknown)
        let sizes = Self.wrongTypes[2...].map { FluxObject(json: $0, kind: "GitRepository").artifactSize }
        #expect(sizes == [0, 0])
    }

    @Test func truncationKeepsWholeCharacters() {
        let text = String(repeating: "é", count: 600) + "🙂" + String(repeating: "a", count: 2_000)
        let cut = FluxObject.bounded(text)
        #expect(cut.utf8.count <= FluxObject.maxFieldBytes)
        #expect(cut.hasSuffix(FluxObject.truncationMarker))
        #expect(cut.dropLast(FluxObject.truncationMarker.count).allSatisfy { $0 == "é" || $0 == "🙂" || $0 == "a" })
        #expect(FluxObject.bounded("short") == "short")
        let exact = String(repeating: "b", count: FluxObject.maxFieldBytes)
        #expect(FluxObject.bounded(exact) == exact)
    }

    @Test func deepNestingInUnreadFieldsIsHarmless() throws {
        let depth = 500  // just under the parser's limit: what an API server using it could hand us
        let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let text = #"{"apiVersion":"source.toolkit.fluxcd.io/v1","kind":"GitRepository","metadata":{"name":"deep","namespace":"apps"},"#
            + #""spec":{"url":"https://example.com","deep":"# + nested + #"},"#
            + #""status":{"conditions":[{"type":"Ready","status":"True","reason":"Succeeded"}]}}"#
        let object = FluxObject(json: try JSONValue.parse(text), kind: "GitRepository")
        #expect(object.ready == .true)
        #expect(object.url == "https://example.com")
    }

    /// The report of a fleet with hostile objects equals the report of the same fleet with plain
    /// stand-ins (same kind, readiness and reason): the other objects count exactly as before.
    @Test func reportForOtherObjectsIsUnchanged() throws {
        let plain = SnapshotFactory.fleet()
        var hostile = plain
        var standIns = plain
        hostile.append(Self.huge(name: "huge"))
        standIns.append(fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "huge", namespace: "apps",
                                   ready: "False", reason: "GitOperationFailed", message: "x", status: ["artifact": ["size": 12]]))
        var wrong = Self.wrongTypes[1]
        wrong["metadata"] = ["name": "wrong", "namespace": "apps"]
        hostile.append(wrong)
        standIns.append(fluxObject(kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "wrong", namespace: "apps",
                                   ready: nil))
        let version = "v2.7.0"
        let got = ReportBuilder.build(snapshot: try SnapshotFactory.snapshot(version: version, objects: hostile), context: SnapshotFactory.context)
        let want = ReportBuilder.build(snapshot: try SnapshotFactory.snapshot(version: version, objects: standIns), context: SnapshotFactory.context)
        #expect(got.spec == want.spec)
        #expect(got.failures.isEmpty)
        let git = got.spec.reconcilers.first { $0.kind == "GitRepository" }
        let base = ReportBuilder.build(snapshot: try SnapshotFactory.snapshot(version: version, objects: plain), context: SnapshotFactory.context)
            .spec.reconcilers.first { $0.kind == "GitRepository" }
        #expect(git?.stats.failing == (base?.stats.failing ?? 0) + 1)
    }
}
