import FluxReport
import Foundation

/// A validated `GET /api/v1/resources` query. Every parameter is outside data: anything that is
/// not exactly what is documented is a `QueryError` (HTTP 400), never a trap or a silent default.
struct ResourceQuery: Sendable, Hashable {
    enum Status: String, Sendable, CaseIterable {
        case all, failing, suspended
    }

    static let defaultLimit = 100
    static let maxLimit = 1000
    /// Longest accepted search text, in UTF-8 bytes.
    static let maxTextBytes = 256
    static let parameters: Set<String> = ["kind", "namespace", "status", "q", "limit", "continue"]

    var kind: String?
    var namespace: String?
    var status: Status = .all
    /// The search text, ASCII-lowercased (matching folds ASCII case only).
    var text: [UInt8]?
    var limit: Int = defaultLimit
    /// Items strictly after this key (from the previous page's `continue`).
    var after: ResourceKey?

    init(kind: String? = nil, namespace: String? = nil, status: Status = .all, text: String? = nil,
         limit: Int = defaultLimit, after: ResourceKey? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.status = status
        self.text = text.map(Self.folded)
        self.limit = limit
        self.after = after
    }

    /// Parses decoded query parameters, in request order. Empty values mean "not given".
    init(parameters: [(name: String, value: String)]) throws(QueryError) {
        var seen: Set<String> = []
        for (name, value) in parameters {
            guard Self.parameters.contains(name) else {
                throw QueryError("unknown parameter \"\(Self.clip(name))\": want kind, namespace, status, q, limit or continue")
            }
            guard seen.insert(name).inserted else { throw QueryError("parameter \"\(name)\" given more than once") }
            if value.isEmpty { continue }
            switch name {
            case "kind":
                guard value.utf8.count <= 63, value.utf8.allSatisfy(Self.isAlphanumeric) else {
                    throw QueryError("invalid kind \"\(Self.clip(value))\": want a kind such as Kustomization")
                }
                kind = value
            case "namespace":
                guard OperatorOptions.isDNSLabel(value) else {
                    throw QueryError("invalid namespace \"\(Self.clip(value))\": not a namespace name")
                }
                namespace = value
            case "status":
                guard let status = Status(rawValue: value) else {
                    throw QueryError("invalid status \"\(Self.clip(value))\": want all, failing or suspended")
                }
                self.status = status
            case "q":
                guard value.utf8.count <= Self.maxTextBytes else {
                    throw QueryError("q is longer than \(Self.maxTextBytes) bytes")
                }
                text = Self.folded(value)
            case "limit":
                // Digits only and at most four of them: no sign, no overflow, no "1e9".
                guard value.utf8.count <= 4, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                      let limit = Int(value), (1...Self.maxLimit).contains(limit) else {
                    throw QueryError("invalid limit \"\(Self.clip(value))\": want an integer from 1 to \(Self.maxLimit)")
                }
                self.limit = limit
            case "continue":
                guard let key = ResourceKey(token: value) else { throw QueryError("invalid continue token") }
                after = key
            default:
                break
            }
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func folded(_ text: String) -> [UInt8] {
        text.utf8.map { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) ? $0 + 32 : $0 }
    }

    /// Echoed values are cut short: an error message must not carry a megabyte back.
    private static func clip(_ text: String) -> String {
        text.utf8.count <= 64 ? text : String(decoding: text.utf8.prefix(64), as: UTF8.self) + "…"
    }

    /// Whether `object` passes every filter but the cursor.
    func matches(_ object: FluxObject) -> Bool {
        if let kind, object.kind != kind { return false }
        if let namespace, object.namespace != namespace { return false }
        switch status {
        case .all: break
        case .failing: if !object.isFailing { return false }
        case .suspended: if !object.suspended { return false }
        }
        if let text {
            return Self.contains(object.name, text) || Self.contains(object.namespace, text) || Self.contains(object.kind, text)
                || Self.contains(object.reason, text) || Self.contains(object.message, text)
        }
        return true
    }

    /// ASCII case-insensitive substring search without allocating (100,000 objects per query).
    static func contains(_ haystack: String, _ needle: [UInt8]) -> Bool {
        if needle.isEmpty { return true }
        var haystack = haystack
        return haystack.withUTF8 { bytes in
            guard bytes.count >= needle.count else { return false }
            let first = needle[0]
            var i = 0
            let last = bytes.count - needle.count
            while i <= last {
                if fold(bytes[i]) == first {
                    var j = 1
                    while j < needle.count, fold(bytes[i + j]) == needle[j] { j += 1 }
                    if j == needle.count { return true }
                }
                i += 1
            }
            return false
        }
    }

    private static func fold(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
    }
}

/// A 400 answer: what was wrong with the request.
struct QueryError: Error, Equatable, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// An object's place in the list order: kind, then namespace, then name.
struct ResourceKey: Sendable, Hashable, Comparable {
    var kind: String
    var namespace: String
    var name: String

    init(kind: String, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    init(_ object: FluxObject) {
        self.init(kind: object.kind, namespace: object.namespace, name: object.name)
    }

    static func < (a: ResourceKey, b: ResourceKey) -> Bool {
        (a.kind, a.namespace, a.name) < (b.kind, b.namespace, b.name)
    }

    /// Opaque to clients (base64url): a page token, not an interface to build queries with.
    var token: String {
        Data("\(kind)\n\(namespace)\n\(name)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(token: String) {
        guard token.utf8.count <= 2048 else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[2].isEmpty else { return nil }
        self.init(kind: String(parts[0]), namespace: String(parts[1]), name: String(parts[2]))
    }
}
