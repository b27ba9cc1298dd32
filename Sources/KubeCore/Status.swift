/// `metav1.Status`: the body of every API error response.
public struct Status: Sendable, Hashable, Codable {
    public struct Details: Sendable, Hashable, Codable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var retryAfterSeconds: Int?
        public init(name: String? = nil, group: String? = nil, kind: String? = nil, retryAfterSeconds: Int? = nil) {
            self.name = name
            self.group = group
            self.kind = kind
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public var kind: String = "Status"
    public var apiVersion: String = "v1"
    public var status: String?   // "Success" | "Failure"
    public var message: String?
    public var reason: String?   // NotFound, AlreadyExists, Conflict, Expired, Gone, Invalid, Forbidden, ...
    public var code: Int?
    public var details: Details?

    public init(status: String? = "Failure", message: String? = nil, reason: String? = nil, code: Int? = nil, details: Details? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
        self.details = details
    }

    /// Reads a Status from an unstructured object; nil unless `kind` is `Status`.
    public init?(json: JSONValue) {
        guard json["kind"].string == "Status" else { return nil }
        status = json["status"].string
        message = json["message"].string
        reason = json["reason"].string
        code = json["code"].int.map { Int($0) }
        let details = json["details"]
        if !details.isNull {
            self.details = Details(
                name: details["name"].string, group: details["group"].string, kind: details["kind"].string,
                retryAfterSeconds: details["retryAfterSeconds"].int.map { Int($0) })
        }
    }

    public var json: JSONValue {
        var out: JSONValue = ["kind": "Status", "apiVersion": "v1", "metadata": [:]]
        if let status { out["status"] = .string(status) }
        if let message { out["message"] = .string(message) }
        if let reason { out["reason"] = .string(reason) }
        if let code { out["code"] = .int(Int64(code)) }
        if let details {
            var d: JSONValue = [:]
            if let name = details.name { d["name"] = .string(name) }
            if let group = details.group { d["group"] = .string(group) }
            if let kind = details.kind { d["kind"] = .string(kind) }
            if let retry = details.retryAfterSeconds { d["retryAfterSeconds"] = .int(Int64(retry)) }
            out["details"] = d
        }
        return out
    }
}
