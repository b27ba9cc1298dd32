import KubeCore

/// A tool as `tools/list` shows it, and what a call returns: concise text for a model to read,
/// the same answer as structured content, and whether it is an error.
struct ToolDefinition: Sendable, Equatable {
    var name: String
    var title: String
    var description: String
    /// A JSON Schema object (`type: object`, `additionalProperties: false`).
    var inputSchema: JSONValue
    /// What the structured content of a successful call conforms to (`OutputSchema`).
    var outputSchema: JSONValue
}

struct ToolResult: Sendable, Equatable {
    var text: String
    var structured: JSONValue?
    var isError = false

    /// Text only: the structured content of a tool must conform to its output schema, which
    /// describes answers; a client reads an error from the text.
    static func error(_ error: ToolError) -> ToolResult {
        ToolResult(text: error.message, structured: nil, isError: true)
    }
}

/// The tools one server offers: their definitions and how a call is answered. A call of a name
/// not in `tools` returns nil (a protocol error, not a tool error).
protocol ToolProvider: Sendable {
    var tools: [ToolDefinition] { get }
    func call(_ name: String, arguments: JSONValue?) async -> ToolResult?
}

/// Building blocks of the input schemas: every property typed, strings and integers bounded.
enum ToolSchema {
    static func object(_ properties: [(String, JSONValue)], required: [String] = []) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (name, schema) in properties { object[name] = schema }
        var schema: JSONValue = ["type": "object", "properties": .object(object), "additionalProperties": false]
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return schema
    }

    static func string(_ description: String, maxLength: Int, pattern: String? = nil) -> JSONValue {
        var schema: JSONValue = ["type": "string", "description": .string(description), "maxLength": .int(Int64(maxLength))]
        if let pattern { schema["pattern"] = .string(pattern) }
        return schema
    }

    static func choice(_ description: String, _ cases: [String]) -> JSONValue {
        ["type": "string", "description": .string(description), "enum": .array(cases.map { .string($0) })]
    }

    static func integer(_ description: String, range: ClosedRange<Int>, default fallback: Int) -> JSONValue {
        ["type": "integer", "description": .string(description), "minimum": .int(Int64(range.lowerBound)),
         "maximum": .int(Int64(range.upperBound)), "default": .int(Int64(fallback))]
    }

    static let kind = string("A Flux kind as Kubernetes spells it: Kustomization, HelmRelease, GitRepository, OCIRepository, "
                             + "HelmRepository, HelmChart, Bucket, ImageRepository, ImagePolicy, ImageUpdateAutomation, "
                             + "Alert, Provider, Receiver, FluxInstance, ResourceSet, … (those the cluster serves).",
                             maxLength: 63, pattern: "^[A-Z][A-Za-z0-9]*$")
    static let namespace = string("A namespace name.", maxLength: 63, pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    static let name = string("The object's name.", maxLength: 253, pattern: "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
}
