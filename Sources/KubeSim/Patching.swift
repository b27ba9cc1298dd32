import KubeCore

/// Patch algorithms: JSON merge patch (RFC 7386, also used for strategic merge) and JSON patch (RFC 6902).
enum Patching {
    /// RFC 7386: objects merge recursively, `null` deletes, everything else replaces.
    static func mergePatch(_ target: JSONValue, _ patch: JSONValue) -> JSONValue {
        guard case .object(let patchDict) = patch else { return patch }
        var result: [String: JSONValue] = target.object ?? [:]
        for (key, value) in patchDict {
            if case .null = value {
                result.removeValue(forKey: key)
            } else {
                result[key] = mergePatch(result[key] ?? .null, value)
            }
        }
        return .object(result)
    }

    /// RFC 6902 operations: add, remove, replace, move, copy, test.
    static func jsonPatch(_ target: JSONValue, _ ops: JSONValue) throws(APIError) -> JSONValue {
        guard let list = ops.array else { throw APIError.badRequest("json patch must be an array of operations") }
        var doc = target
        for op in list {
            guard let name = op["op"].string, let path = op["path"].string else {
                throw APIError.badRequest("json patch operation needs 'op' and 'path'")
            }
            let pointer = try parsePointer(path)
            switch name {
            case "add": doc = try set(doc, pointer[...], op["value"], insert: true)
            case "replace":
                _ = try get(doc, pointer)
                doc = try set(doc, pointer[...], op["value"], insert: false)
            case "remove": doc = try remove(doc, pointer[...])
            case "move", "copy":
                guard let from = op["from"].string else { throw APIError.badRequest("json patch \(name) needs 'from'") }
                let fromPointer = try parsePointer(from)
                let value = try get(doc, fromPointer)
                if name == "move" { doc = try remove(doc, fromPointer[...]) }
                doc = try set(doc, pointer[...], value, insert: true)
            case "test":
                if try get(doc, pointer) != op["value"] {
                    throw APIError(code: 422, reason: "Invalid", message: "json patch test operation failed at \(path)")
                }
            default: throw APIError.badRequest("unknown json patch operation '\(name)'")
            }
        }
        return doc
    }

    static func parsePointer(_ path: String) throws(APIError) -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw APIError.badRequest("invalid json pointer '\(path)'") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            String($0).replacingAll("~1", with: "/").replacingAll("~0", with: "~")
        }
    }

    static func get(_ doc: JSONValue, _ pointer: [String]) throws(APIError) -> JSONValue {
        var node = doc
        for token in pointer {
            switch node {
            case .object(let d):
                guard let next = d[token] else { throw APIError(code: 422, reason: "Invalid", message: "json patch path not found: \(token)") }
                node = next
            case .array(let a):
                guard let i = Int(token), a.indices.contains(i) else { throw APIError(code: 422, reason: "Invalid", message: "json patch index out of range: \(token)") }
                node = a[i]
            default: throw APIError(code: 422, reason: "Invalid", message: "json patch path not found: \(token)")
            }
        }
        return node
    }

    static func set(_ doc: JSONValue, _ pointer: ArraySlice<String>, _ value: JSONValue, insert: Bool) throws(APIError) -> JSONValue {
        guard let token = pointer.first else { return value }
        let rest = pointer.dropFirst()
        switch doc {
        case .object(var d):
            if rest.isEmpty { d[token] = value; return .object(d) }
            guard let child = d[token] else { throw APIError(code: 422, reason: "Invalid", message: "json patch path not found: \(token)") }
            d[token] = try set(child, rest, value, insert: insert)
            return .object(d)
        case .array(var a):
            if rest.isEmpty {
                if token == "-" && insert { a.append(value); return .array(a) }
                guard let i = Int(token), i >= 0, insert ? i <= a.count : i < a.count else {
                    throw APIError(code: 422, reason: "Invalid", message: "json patch index out of range: \(token)")
                }
                if insert { a.insert(value, at: i) } else { a[i] = value }
                return .array(a)
            }
            guard let i = Int(token), a.indices.contains(i) else { throw APIError(code: 422, reason: "Invalid", message: "json patch index out of range: \(token)") }
            a[i] = try set(a[i], rest, value, insert: insert)
            return .array(a)
        default:
            throw APIError(code: 422, reason: "Invalid", message: "json patch path not found: \(token)")
        }
    }

    static func remove(_ doc: JSONValue, _ pointer: ArraySlice<String>) throws(APIError) -> JSONValue {
        guard let token = pointer.first else { throw APIError.badRequest("json patch cannot remove the root") }
        let rest = pointer.dropFirst()
        switch doc {
        case .object(var d):
            guard let child = d[token] else { throw APIError(code: 422, reason: "Invalid", message: "json patch path not found: \(token)") }
            if rest.isEmpty { d.removeValue(forKey: token) } else { d[token] = try remove(child, rest) }
            return .object(d)
        case .array(var a):
            guard let i = Int(token), a.indices.contains(i) else { throw APIError(code: 422, reason: "Invalid", message: "json patch index out of range: \(token)") }
            if rest.isEmpty { a.remove(at: i) } else { a[i] = try remove(a[i], rest) }
            return .array(a)
        default:
            throw APIError(code: 422, reason: "Invalid", message: "json patch path not found: \(token)")
        }
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        out += rest
        return out
    }
}
