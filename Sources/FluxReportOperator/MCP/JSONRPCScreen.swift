import KubeCore

/// Checks a raw JSON-RPC message before the MCP server sees it, so malformed input gets the
/// specification's answer: -32700 (parse error) for bytes that are not JSON, -32600 (invalid
/// request) for JSON that is not a JSON-RPC 2.0 message, each with the request's id when one can
/// be read and `null` otherwise. (The SDK would answer those with a random id, which no client can
/// match to its request.)
enum JSONRPCScreen {
    enum Verdict: Equatable {
        case pass
        /// The error response to send back instead.
        case reject(code: Int, message: String, id: JSONValue)
    }

    static let parseError = -32700
    static let invalidRequest = -32600

    static func check(_ bytes: some Collection<UInt8>) -> Verdict {
        let message: JSONValue
        do {
            message = try JSONValue.parse(bytes)
        } catch {
            return .reject(code: parseError, message: "Parse error: \(error.description)", id: .null)
        }
        switch message {
        case .array(let items):
            guard !items.isEmpty else { return .reject(code: invalidRequest, message: "Invalid Request: empty batch", id: .null) }
            return .pass
        case .object(let fields):
            let id = fields["id"] ?? .null
            let validID: Bool
            switch id {
            case .string, .int: validID = true
            default: validID = false
            }
            let answerID: JSONValue = validID ? id : .null
            guard fields["jsonrpc"] == .string("2.0") else {
                return .reject(code: invalidRequest, message: "Invalid Request: \"jsonrpc\" must be \"2.0\"", id: answerID)
            }
            if let method = fields["method"] {
                guard case .string = method else {
                    return .reject(code: invalidRequest, message: "Invalid Request: \"method\" must be a string", id: answerID)
                }
                if fields["id"] != nil, !validID {
                    return .reject(code: invalidRequest, message: "Invalid Request: \"id\" must be a string or an integer", id: .null)
                }
                if let params = fields["params"] {
                    switch params {
                    case .object, .array: break
                    default: return .reject(code: invalidRequest, message: "Invalid Request: \"params\" must be an object", id: answerID)
                    }
                }
                return .pass
            }
            guard fields["result"] != nil || fields["error"] != nil, validID else {
                return .reject(code: invalidRequest, message: "Invalid Request: neither a request, a notification nor a response", id: answerID)
            }
            return .pass
        default:
            return .reject(code: invalidRequest, message: "Invalid Request: a JSON-RPC message is an object", id: .null)
        }
    }

    /// The error response's bytes.
    static func response(code: Int, message: String, id: JSONValue) -> [UInt8] {
        let body: JSONValue = ["jsonrpc": "2.0", "id": id, "error": ["code": .int(Int64(code)), "message": .string(message)]]
        return body.serialized()
    }
}
