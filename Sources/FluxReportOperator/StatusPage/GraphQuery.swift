import FluxReport

/// A validated `GET /api/v1/graph` query (one object's neighbourhood) or `GET /api/v1/rootcauses`
/// query (the cluster view): outside data, so anything not documented is a `QueryError` (400).
struct GraphQuery: Sendable, Hashable {
    /// The object; nil for the cluster view.
    var key: ResourceKey?
    var limit: Int

    /// `kind`, `namespace`, `name` (as `/api/v1/resource` takes them) and `limit`.
    static func object(_ parameters: [(name: String, value: String)]) throws(QueryError) -> GraphQuery {
        let (rest, limit) = try limit(parameters, default: Neighbourhood.defaultLimit, max: Neighbourhood.maxLimit)
        return GraphQuery(key: try StatusPageRoutes.objectKey(rest), limit: limit)
    }

    /// Only `limit`.
    static func cluster(_ parameters: [(name: String, value: String)]) throws(QueryError) -> GraphQuery {
        let (rest, limit) = try limit(parameters, default: RootCauseMap.defaultLimit, max: RootCauseMap.maxLimit)
        if let unknown = rest.first { throw QueryError("unknown parameter \"\(unknown.name.prefix(64))\": want limit") }
        return GraphQuery(key: nil, limit: limit)
    }

    /// Takes `limit` out of the parameters: digits only, at most four, from 1 to `max`.
    private static func limit(_ parameters: [(name: String, value: String)], default value: Int,
                              max: Int) throws(QueryError) -> (rest: [(name: String, value: String)], limit: Int) {
        var limit: Int?
        var rest: [(name: String, value: String)] = []
        for (name, text) in parameters {
            guard name == "limit" else {
                rest.append((name, text))
                continue
            }
            guard limit == nil else { throw QueryError("parameter \"limit\" given more than once") }
            guard text.utf8.count <= 4, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let number = Int(text), (1...max).contains(number) else {
                throw QueryError("invalid limit \"\(text.prefix(16))\": want an integer from 1 to \(max)")
            }
            limit = number
        }
        return (rest, limit ?? value)
    }
}
