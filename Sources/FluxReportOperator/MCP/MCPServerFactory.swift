import FluxReport
import KubeCore
import MCP

/// An MCP `Server` (the swift-sdk's JSON-RPC, initialize and version negotiation) whose only
/// capability is tools, answered by a `ToolProvider`. Nothing here writes: the tools are read-only
/// and the server offers no resources, prompts, sampling or logging.
enum MCPServerFactory {
    static let instructions = """
        Read-only diagnosis of the Flux CD objects of a Kubernetes cluster. To find what to fix first, call \
        list_root_causes, then explain_flux_object on the first root cause or on an object it blocks. \
        get_flux_report gives the overview; list_flux_objects filters by kind, namespace, status and text.
        """

    static func server(_ provider: any ToolProvider) async -> Server {
        let server = Server(name: "flux-report-operator", version: BuildInfo.version, title: "Flux report operator",
                            instructions: instructions, capabilities: Server.Capabilities(tools: .init(listChanged: false)))
        let tools = provider.tools.map { definition in
            Tool(name: definition.name, title: definition.title, description: definition.description,
                 inputSchema: value(definition.inputSchema),
                 annotations: Tool.Annotations(title: definition.title, readOnlyHint: true, destructiveHint: false,
                                               idempotentHint: true, openWorldHint: false),
                 outputSchema: value(definition.outputSchema))
        }
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: tools) }
        await server.withMethodHandler(CallTool.self) { parameters in
            let arguments = parameters.arguments.map { JSONValue.object($0.mapValues(json)) }
            guard let result = await provider.call(parameters.name, arguments: arguments) else {
                throw MCPError.invalidParams("unknown tool \"\(ToolArguments.clip(parameters.name))\": want "
                                             + provider.tools.map(\.name).joined(separator: ", "))
            }
            return CallTool.Result(content: [.text(text: result.text, annotations: nil, _meta: nil)],
                                   structuredContent: result.structured.map(value), isError: result.isError ? true : nil)
        }
        return server
    }

    static func value(_ json: JSONValue) -> Value {
        switch json {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return Int(exactly: i).map { .int($0) } ?? .double(Double(i))
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let items): return .array(items.map(value))
        case .object(let object): return .object(object.mapValues(value))
        }
    }

    static func json(_ value: Value) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(Int64(i))
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .data(let mimeType, let data): return .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case .array(let items): return .array(items.map(json))
        case .object(let object): return .object(object.mapValues(json))
        }
    }
}
