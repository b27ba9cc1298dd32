import FluxReport
import KubeCore

/// The tools' structured content as JSON Schema (`outputSchema`, MCP 2025-06-18). Every object is
/// closed (`additionalProperties: false`) and requires the fields it always has, so a client can
/// rely on the names and a field renamed on one side fails validation. The shapes are those of
/// `DiagnosisDocument` (docs/diagnosis.md) and, for the report, of the FluxReport CRD.
enum OutputSchema {
    static let text: JSONValue = ["type": "string"]
    static let time: JSONValue = ["type": "string", "format": "date-time"]
    static let count: JSONValue = ["type": "integer", "minimum": 0]
    static let flag: JSONValue = ["type": "boolean"]

    static func choice(_ cases: [String]) -> JSONValue { ["type": "string", "enum": .array(cases.map { .string($0) })] }

    /// A bounded list: at most the limit of `items`, and how many `more` were left out.
    static func list(of item: JSONValue) -> JSONValue {
        ToolSchema.object([("items", ["type": "array", "items": item]), ("more", count)], required: ["items", "more"])
    }

    // MARK: Diagnosis

    /// The fields of one object's summary (`DiagnosisDocument.pairs`), and those always present.
    static let summaryFields: [(String, JSONValue)] = [
        ("kind", text), ("namespace", text), ("name", text), ("exists", flag),
        ("ready", choice(ReadyStatus.allCases.map(\.rawValue))),
        ("reason", text), ("message", text),
        // The signal state; "" for a ready object, "missing" for a reference to nothing.
        ("state", choice(SignalState.allCases.map(\.rawValue) + ["", "missing"])),
        ("summary", text), ("since", time), ("stale", flag),
        ("driftedSince", text),  // a time, or "" when drift was seen without one
        ("flips", count), ("suspendedBy", text),
        ("rootCauses", ["type": "array", "items": text]),
    ]
    static let summaryRequired = ["kind", "namespace", "name", "exists", "ready", "state", "summary"]

    static func summary(adding extra: [(String, JSONValue)] = [], required: [String] = []) -> JSONValue {
        ToolSchema.object(summaryFields + extra, required: summaryRequired + required)
    }

    /// `list_root_causes`: the problems document without the stale, drifted and suspended lists.
    static let rootCauses = ToolSchema.object([
        ("headline", text), ("time", time),
        ("counts", ToolSchema.object(
            ["objects", "ready", "failing", "blocked", "rootCauses", "failingAlone", "stale", "drifted", "suspended", "longSuspended"]
                .map { ($0, count) },
            required: ["objects", "ready", "failing", "blocked", "rootCauses", "failingAlone", "stale", "drifted", "suspended", "longSuspended"])),
        ("rootCauses", list(of: summary(adding: [("blocks", count)], required: ["blocks"]))),
        ("failingAlone", list(of: summary())),
    ], required: ["headline", "time", "counts", "rootCauses", "failingAlone"])

    /// `list_flux_objects`.
    static let objects = ToolSchema.object([
        ("items", ["type": "array", "items": summary()]), ("more", count), ("total", count),
    ], required: ["items", "more", "total"])

    /// A HelmRelease's release (`DiagnosisDocument.release`).
    static let release = ToolSchema.object([
        ("version", ["type": "integer", "minimum": 1]), ("chartVersion", text),
        ("status", choice(HelmReleaseStatus.allCases.map(\.rawValue))), ("lastDeployed", time),
    ], required: ["chartVersion", "status"])

    /// `explain_flux_object`.
    static let explanation = ToolSchema.object([
        ("time", time),
        ("object", summary(adding: [
            ("interval", text), ("lastReconcile", time), ("evidence", choice(ReconcileEvidence.allCases.map(\.rawValue))),
            ("readySince", time), ("lastFailureReason", text), ("suspended", flag),
            ("suspendReason", text), ("suspendedSinceSource", text),
            ("revision", text), ("lastAppliedRevision", text),
            ("releases", ["type": "array", "items": release]),
            ("blocks", count),
        ], required: ["suspended", "blocks"])),
        ("pathsToRootCauses", list(of: ["type": "array", "items": text])),
        ("dependencies", list(of: summary())),
        ("dependents", list(of: summary())),
        ("recentTransitions", ["type": "array", "items": ToolSchema.object([("time", time), ("change", text)], required: ["time", "change"])]),
    ], required: ["time", "object", "pathsToRootCauses", "dependencies", "dependents", "recentTransitions"])

    // MARK: Report

    /// `get_flux_report`: the spec and status as the FluxReport CRD defines them, closed.
    static let report: JSONValue = {
        let crd = (try? JSONValue.parse(FluxReportAPI.openAPIV3SchemaJSON)) ?? .null
        return ToolSchema.object([
            ("namespace", text), ("computedAt", time),
            ("spec", closed(crd[path: "properties", "spec"])),
            ("status", closed(crd[path: "properties", "status"])),
            ("failures", ["type": "array", "items": ToolSchema.object([("part", text), ("error", text)], required: ["part", "error"])]),
        ], required: ["namespace", "computedAt", "spec", "status", "failures"])
    }()

    /// An OpenAPI v3 schema as a closed JSON Schema: the Kubernetes extensions dropped (the API
    /// server's pruning of unknown fields becomes `additionalProperties: false`).
    static func closed(_ schema: JSONValue) -> JSONValue {
        guard case .object(var fields) = schema else { return ["type": "object"] }
        let open = fields["x-kubernetes-preserve-unknown-fields"]?.bool == true
        for key in fields.keys where key.hasPrefix("x-kubernetes-") { fields[key] = nil }
        if case .object(let properties)? = fields["properties"] {
            fields["properties"] = .object(properties.mapValues(closed))
            if !open { fields["additionalProperties"] = false }
        }
        if let items = fields["items"] { fields["items"] = closed(items) }
        return .object(fields)
    }

    // MARK: Contexts

    /// `get_kubeconfig_contexts`.
    static let contexts = ToolSchema.object([
        ("current", ["type": ["string", "null"]]),
        ("items", ["type": "array", "items": ToolSchema.object([
            ("name", text), ("cluster", text), ("current", flag), ("server", text), ("namespace", text),
        ], required: ["name", "cluster", "current"])]),
        ("more", count),
    ], required: ["current", "items", "more"])

    /// `set_kubeconfig_context`.
    static let selectedContext = ToolSchema.object([("context", text), ("server", text)], required: ["context", "server"])
}
