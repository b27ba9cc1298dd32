import FluxReport
import Foundation

/// A validated `GET /api/v1/resources` query: the HTTP parameter layer over `ObjectQuery` (the
/// one query language, shared with the CLI and MCP), which `q` is parsed as. Every parameter is
/// outside data: anything that is not exactly what is documented is a `QueryError` (HTTP 400) with
/// a message for the person who typed it, never a trap or a silent default.
struct ResourceQuery: Sendable, Hashable {
    /// `all` or one of `ObjectQuery`'s `status:` values.
    enum Status: String, Sendable, CaseIterable {
        case all, failing, blocked, stale, drifted, suspended, ready
    }

    static let defaultLimit = 100
    static let maxLimit = 1000
    static let parameters: Set<String> = ["kind", "namespace", "status", "q", "limit", "continue"]

    var kind: String?
    var namespace: String?
    var status: Status = .all
    /// `q`: terms such as `kind:HelmRelease ns:tenant-* -status:suspended text`, all of which hold.
    var search = ObjectQuery()
    var limit: Int = defaultLimit
    /// Items strictly after this key (from the previous page's `continue`).
    var after: ResourceKey?

    init(kind: String? = nil, namespace: String? = nil, status: Status = .all, search: ObjectQuery = ObjectQuery(),
         limit: Int = defaultLimit, after: ResourceKey? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.status = status
        self.search = search
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
                    throw QueryError("invalid status \"\(Self.clip(value))\": want "
                                     + Status.allCases.map(\.rawValue).joined(separator: ", "))
                }
                self.status = status
            case "q":
                do throws(ObjectQueryError) {
                    search = try ObjectQuery(parsing: value)
                } catch {
                    throw QueryError(error.message)
                }
            case "limit":
                limit = try Self.limit(value, max: Self.maxLimit)
            case "continue":
                guard let key = ResourceKey(token: value) else { throw QueryError("invalid continue token") }
                after = key
            default:
                break
            }
        }
    }

    /// The search with the status filter as one more term: what every object is matched against.
    var filter: ObjectQuery {
        guard let status = ObjectQuery.Status(rawValue: status.rawValue) else { return search }
        return search.and([ObjectQuery.Term(.status(status))])
    }

    /// Whether `object` passes `kind`, `namespace` and `filter` (the cursor aside), its signals
    /// as of `now`.
    static func matches(_ object: FluxObject, kind: String?, namespace: String?, filter: ObjectQuery, now: Int64,
                        staleFactor: Int64) -> Bool {
        if let kind, object.kind != kind { return false }
        if let namespace, object.namespace != namespace { return false }
        return filter.matches(object, now: now, staleFactor: staleFactor)
    }

    /// A `limit` parameter: digits only and at most four of them (no sign, no overflow, no "1e9"),
    /// from 1 to `max` (at most 9999).
    static func limit(_ value: String, max: Int) throws(QueryError) -> Int {
        guard value.utf8.count <= 4, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let limit = Int(value), (1...max).contains(limit) else {
            throw QueryError("invalid limit \"\(clip(value))\": want an integer from 1 to \(max)")
        }
        return limit
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// Echoed values are cut short: an error message must not carry a megabyte back.
    static func clip(_ text: String) -> String {
        text.utf8.count <= 64 ? text : String(decoding: text.utf8.prefix(64), as: UTF8.self) + "…"
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
