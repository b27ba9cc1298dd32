import KubeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Server-side printing: `meta.k8s.io/v1` Tables for clients that ask (`Accept: ...;as=Table`), the
/// way `kubectl get` shows columns. CRDs use their `additionalPrinterColumns`; a few built-ins have
/// their usual columns; everything else gets Name and Age.
enum Tables {
    struct Column {
        var name: String
        var type: String
        /// A CRD column's `priority`: kubectl shows columns above 0 only with `-o wide`.
        var priority: Int = 0
        var cell: (JSONValue) -> JSONValue
    }

    static func wantsTable(_ accept: String?) -> Bool { accept?.contains("as=Table") == true }

    static func table(for items: [JSONValue], listMetadata: JSONValue, info: ResourceInfo, version: String, crd: JSONValue?) -> JSONValue {
        let columns = self.columns(info: info, version: version, crd: crd)
        let definitions: [JSONValue] = columns.map {
            ["name": .string($0.name), "type": .string($0.type), "format": .string($0.name == "Name" ? "name" : ""),
             "description": "", "priority": .int(Int64($0.priority))]
        }
        let rows: [JSONValue] = items.map { item in
            var meta = item["metadata"]
            meta["managedFields"] = .null
            return ["cells": .array(columns.map { $0.cell(item) }),
                    "object": ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta]]
        }
        return ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": listMetadata,
                "columnDefinitions": .array(definitions), "rows": .array(rows)]
    }

    static func columns(info: ResourceInfo, version: String, crd: JSONValue?) -> [Column] {
        let name = Column(name: "Name", type: "string") { .string($0.name) }
        let ageColumn = Column(name: "Age", type: "string") { .string(Tables.age($0[path: "metadata", "creationTimestamp"].string)) }
        if let crd, let versions = crd[path: "spec", "versions"].array,
           let printer = versions.first(where: { $0["name"].string == version })?["additionalPrinterColumns"].array {
            return [name] + printer.compactMap { column -> Column? in
                guard let title = column["name"].string, let path = column["jsonPath"].string else { return nil }
                let type = column["type"].string ?? "string"
                // As the API server: a priority is a non-negative int32 (CRD validation); anything else reads as 0.
                let priority = column["priority"].int.map { Int(clamping: max(0, min($0, Int64(Int32.max)))) } ?? 0
                return Column(name: title, type: type, priority: priority) { object in
                    let value = evaluate(path, on: object)
                    if type == "date" { return .string(Tables.age(value.string)) }
                    return value
                }
            }
        }
        switch (info.group, info.resource) {
        case ("", "events"):
            return [
                Column(name: "Last Seen", type: "string") { e in
                    .string(age(e["lastTimestamp"].string ?? e["eventTime"].string ?? e[path: "metadata", "creationTimestamp"].string))
                },
                Column(name: "Type", type: "string") { $0["type"] },
                Column(name: "Reason", type: "string") { $0["reason"] },
                Column(name: "Object", type: "string") { e in
                    .string("\((e[path: "involvedObject", "kind"].string ?? "").lowercased())/\(e[path: "involvedObject", "name"].string ?? "")")
                },
                Column(name: "Message", type: "string") { $0["message"] },
            ]
        case ("events.k8s.io", "events"):
            return [
                Column(name: "Last Seen", type: "string") { e in .string(age(e["eventTime"].string ?? e[path: "metadata", "creationTimestamp"].string)) },
                Column(name: "Type", type: "string") { $0["type"] },
                Column(name: "Reason", type: "string") { $0["reason"] },
                Column(name: "Object", type: "string") { e in
                    .string("\((e[path: "regarding", "kind"].string ?? "").lowercased())/\(e[path: "regarding", "name"].string ?? "")")
                },
                Column(name: "Message", type: "string") { $0["note"] },
            ]
        case ("apps", "deployments"):
            return [name,
                    Column(name: "Ready", type: "string") { d in
                        .string("\(d[path: "status", "readyReplicas"].int ?? 0)/\(d[path: "spec", "replicas"].int ?? 1)")
                    },
                    Column(name: "Up-to-date", type: "integer") { .int($0[path: "status", "updatedReplicas"].int ?? 0) },
                    Column(name: "Available", type: "integer") { .int($0[path: "status", "availableReplicas"].int ?? 0) },
                    ageColumn]
        case ("", "namespaces"):
            return [name, Column(name: "Status", type: "string") { $0[path: "status", "phase"] }, ageColumn]
        case ("", "nodes"):
            return [name,
                    Column(name: "Status", type: "string") { n in
                        .string(n[path: "status", "conditions"].array?.first { $0["type"] == "Ready" }?["status"] == "True" ? "Ready" : "NotReady")
                    },
                    ageColumn,
                    Column(name: "Version", type: "string") { $0[path: "status", "nodeInfo", "kubeletVersion"] }]
        default:
            return [name, ageColumn]
        }
    }

    /// The JSONPath subset printer columns use: `.a.b`, `.a[0]`, `.a[?(@.k=="v")].b`.
    static func evaluate(_ path: String, on object: JSONValue) -> JSONValue {
        var node = object
        var rest = Substring(path)
        while !rest.isEmpty {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let key = rest.prefix { $0 != "." && $0 != "[" }
                node = node[String(key)]
                rest = rest.dropFirst(key.count)
            } else if rest.hasPrefix("[") {
                guard let close = rest.firstRange(of: "]") else { return .null }
                let inner = rest[rest.index(after: rest.startIndex)..<close.lowerBound]
                rest = rest[close.upperBound...]
                if let index = Int(inner) {
                    node = node[index]
                } else if inner.hasPrefix("?(@."), let eq = inner.firstRange(of: "==") {
                    let key = String(inner[inner.index(inner.startIndex, offsetBy: 4)..<eq.lowerBound])
                    var value = String(inner[eq.upperBound...])
                    if value.hasSuffix(")") { value.removeLast() }
                    value = value.trimmingCharacters(in: "\"'")
                    node = node.array?.first { $0[key].string == value } ?? .null
                } else {
                    return .null
                }
            } else {
                return .null
            }
        }
        return node
    }

    /// Kubernetes' short human durations: 45s, 5m10s, 3h, 12d, 2y30d.
    static func age(_ timestamp: String?) -> String {
        guard let timestamp, let then = epoch(timestamp) else { return "<unknown>" }
        let seconds = max(0, Int(time(nil)) - then)
        let minutes = seconds / 60, hours = seconds / 3600, days = hours / 24, years = days / 365
        if seconds < 120 { return "\(seconds)s" }
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        if minutes < 180 { return "\(minutes)m" }
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 192 { return hours % 24 == 0 ? "\(days)d" : "\(days)d\(hours % 24)h" }
        if days < 730 { return "\(days)d" }
        if years < 8 { return days % 365 == 0 ? "\(years)y" : "\(years)y\(days % 365)d" }
        return "\(years)y"
    }

    /// Seconds since the epoch of an RFC 3339 UTC timestamp (`2025-10-09T08:53:20Z`, fractions ignored).
    static func epoch(_ text: String) -> Int? {
        let digits = text.utf8.map { Int($0) - 48 }
        guard digits.count >= 19 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<from + count {
                guard (0...9).contains(digits[i]) else { return nil }
                v = v * 10 + digits[i]
            }
            return v
        }
        guard let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2), let h = number(11, 2),
              let mi = number(14, 2), let s = number(17, 2) else { return nil }
        var parts = tm()
        parts.tm_year = Int32(y - 1900)
        parts.tm_mon = Int32(mo - 1)
        parts.tm_mday = Int32(d)
        parts.tm_hour = Int32(h)
        parts.tm_min = Int32(mi)
        parts.tm_sec = Int32(s)
        return Int(timegm(&parts))
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
