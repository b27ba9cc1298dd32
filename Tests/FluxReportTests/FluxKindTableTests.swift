import FluxReport
import KubeCore
import Testing

/// The kind table against the real Flux CRDs (../shared/fixtures/flux) and against the projection
/// that reads it: every Flux kind has an entry, every field an entry names exists in its CRD, and
/// the projection reads each of those fields where the table says.
@Suite struct FluxKindTableTests {
    static let versions = ["v2.3.0", "v2.7.0"]

    static func crds(_ version: String) throws -> [JSONValue] {
        try Fixtures.documents(version: version).filter { $0.kind == "CustomResourceDefinition" }
    }

    @Test func entriesAreUniqueAndNamed() {
        let kinds = FluxKindTable.entries.map(\.kind)
        #expect(Set(kinds).count == kinds.count)
        for entry in FluxKindTable.entries {
            #expect(!entry.kind.isEmpty && !entry.group.isEmpty)
            #expect(FluxKindTable.entry(entry.kind).kind == entry.kind)
            // The Flux Operator's kinds are those of its API group.
            #expect((entry.origin == .fluxOperator) == (entry.group == FluxReportAPI.group), "\(entry.kind)")
        }
        #expect(FluxKindTable.known("NotAFluxKind") == nil)
        #expect(FluxKindTable.entry("NotAFluxKind").kind == FluxKindTable.generic.kind)
    }

    @Test("every Flux CRD kind of the fixtures has an entry of its group", arguments: versions)
    func everyFixtureKindHasAnEntry(version: String) throws {
        let crds = try Self.crds(version)
        #expect(crds.count >= 13)
        for crd in crds {
            let kind = try #require(crd[path: "spec", "names", "kind"].string)
            let entry = try #require(FluxKindTable.known(kind), "\(version): no entry for \(kind)")
            #expect(entry.group == crd[path: "spec", "group"].string, "\(kind)")
        }
    }

    @Test("every toolkit entry is a kind of the latest fixtures")
    func everyToolkitEntryIsInTheFixtures() throws {
        let kinds = Set(try Self.crds("v2.7.0").compactMap { $0[path: "spec", "names", "kind"].string })
        for entry in FluxKindTable.entries where entry.origin == .toolkit {
            #expect(kinds.contains(entry.kind), "\(entry.kind) has an entry but no CRD in the Flux v2.7.0 fixtures")
        }
    }

    /// The paths an entry names for itself (those left at the generic default are read from any kind).
    static func ownPaths(_ entry: FluxKindInfo) -> [FieldPath] {
        let generic = FluxKindTable.generic
        var paths: [FieldPath] = entry.ref + entry.path + entry.registry + (entry.inventory.map { [$0] } ?? [])
        if entry.url != generic.url { paths += entry.url }
        if entry.sourceName != generic.sourceName { paths += entry.sourceName }
        if entry.sourceRef != generic.sourceRef { paths += entry.sourceRef }
        if entry.syncURL != generic.syncURL { paths += entry.syncURL }
        if case .alwaysWhen(let path, _) = entry.readiness { paths.append(path) }
        paths += (entry.gotkResourceInfo ?? []).flatMap(\.paths)
        return paths
    }

    /// The schema node of a path in a CRD version's openAPIV3Schema (null when it has none).
    static func schemaNode(_ path: FieldPath, in version: JSONValue) -> JSONValue {
        var node = version[path: "schema", "openAPIV3Schema"]
        for step in path.steps {
            switch step {
            case .key(let key):
                if node["type"].string == "array" { node = node["items"] }
                node = node["properties"][key]
            case .first:
                guard node["type"].string == "array" else { return .null }
                node = node["items"]
            }
        }
        return node
    }

    /// In one of the served versions: the operator watches the last stored version, an older one on
    /// a cluster upgraded from an older Flux (HelmRelease's `status.lastAppliedRevision` is v2beta2's).
    @Test("every path an entry names exists in a version of its CRD", arguments: versions)
    func pathsExistInTheCRDs(version: String) throws {
        let crds = try Self.crds(version)
        var checked = 0
        for entry in FluxKindTable.entries {
            guard let crd = crds.first(where: { $0[path: "spec", "names", "kind"].string == entry.kind }) else { continue }
            let served = (crd[path: "spec", "versions"].array ?? []).filter { $0["served"].bool == true }
            #expect(!served.isEmpty, "\(entry.kind)")
            for path in Self.ownPaths(entry) {
                #expect(served.contains { Self.schemaNode(path, in: $0) != .null }, "\(entry.kind) has no \(path) (Flux \(version))")
                checked += 1
            }
        }
        #expect(checked > 30)
    }

    /// `json` with `value` at `path` (a `[0]` step makes a one-element array).
    static func setting(_ path: FieldPath, to value: JSONValue, in json: JSONValue) -> JSONValue {
        func set(_ steps: ArraySlice<FieldPath.Step>, _ node: JSONValue) -> JSONValue {
            guard let step = steps.first else { return value }
            switch step {
            case .key(let key):
                var node = node
                node[key] = set(steps.dropFirst(), node[key])
                return node
            case .first:
                return .array([set(steps.dropFirst(), node.array?.first ?? .null)])
            }
        }
        return set(path.steps[...], json)
    }

    /// For each field the projection reads through the table, each of the entry's paths is read
    /// when the paths before it hold an empty string (the first non-empty one wins).
    @Test func projectionReadsEachPathOfEachEntry() throws {
        let fields: [(String, KeyPath<FluxKindInfo, [FieldPath]>, KeyPath<FluxObject, String>)] = [
            ("url", \.url, \.url), ("ref", \.ref, \.ref), ("sourceName", \.sourceName, \.sourceName),
            ("path", \.path, \.path), ("registry", \.registry, \.registry),
        ]
        var checked = 0
        for entry in FluxKindTable.entries {
            let base = fluxObject(kind: entry.kind, apiVersion: "\(entry.group)/v1", name: "x")
            for (name, paths, read) in fields {
                let entryPaths = entry[keyPath: paths]
                for (index, path) in entryPaths.enumerated() {
                    var json = base
                    for earlier in entryPaths[..<index] { json = Self.setting(earlier, to: "", in: json) }
                    json = Self.setting(path, to: .string("value-\(index)"), in: json)
                    let object = FluxObject(json: json, kind: entry.kind)
                    #expect(object[keyPath: read] == "value-\(index)", "\(entry.kind).\(name) from \(path)")
                    checked += 1
                }
                if entryPaths.isEmpty {
                    // A field the entry does not read stays empty whatever the object holds.
                    var json = base
                    for path in FluxKindTable.generic[keyPath: paths] { json = Self.setting(path, to: "ignored", in: json) }
                    #expect(FluxObject(json: json, kind: entry.kind)[keyPath: read] == "", "\(entry.kind).\(name)")
                }
            }
            if let inventory = entry.inventory {
                let json = Self.setting(inventory, to: [[:], [:], [:]], in: base)
                #expect(FluxObject(json: json, kind: entry.kind).resources == 3, "\(entry.kind)")
            }
        }
        #expect(checked >= 20)
    }

    @Test func readinessAndMetricFamilyFollowTheEntry() {
        for entry in FluxKindTable.entries {
            let notReady = fluxObject(kind: entry.kind, apiVersion: "\(entry.group)/v1", name: "x", ready: "False")
            let object = FluxObject(json: notReady, kind: entry.kind)
            #expect(object.alwaysReady == (entry.readiness == .always), "\(entry.kind)")
            #expect(object.metricReady == (entry.readiness == .always ? .true : .false), "\(entry.kind)")
            if case .alwaysWhen(let path, let value) = entry.readiness {
                let json = Self.setting(path, to: .string(value), in: notReady)
                #expect(FluxObject(json: json, kind: entry.kind).metricReady == .true, "\(entry.kind)")
            }
            #expect(FluxMetricFamily(kind: entry.kind) == entry.metricFamily, "\(entry.kind)")
        }
        #expect(FluxMetricFamily(kind: "NotAFluxKind") == .resourceInfo)
    }

    @Test func fieldPathsParse() {
        #expect(FieldPath("spec.url").steps == [.key("spec"), .key("url")])
        #expect(FieldPath("status.history[0].chartVersion").steps == [.key("status"), .key("history"), .first, .key("chartVersion")])
        let json: JSONValue = ["status": ["history": [["chartVersion": "1.2.3"], ["chartVersion": "1.0.0"]]]]
        #expect(FieldPath("status.history[0].chartVersion").string(in: json) == "1.2.3")
        #expect(FieldPath("status.history[0].chartVersion").resolve(in: ["status": ["history": []]] as JSONValue) == nil)
        #expect(FieldPath("spec.url").resolve(in: json) == .null)
    }
}
