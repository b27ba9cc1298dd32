import KubeCore

/// Diagnosis answers as documents for `-o json|yaml` (field order as in docs/diagnosis.md).
/// Times are RFC 3339 (absent when unknown); every list is `{items, more}`.
public enum DiagnosisDocument {
    public static func problems(_ p: Problems, now: Int64) -> OrderedDocument {
        .map([
            ("headline", .string(p.headline)),
            ("time", .string(Timestamp.rfc3339(secondsSinceEpoch: now))),
            ("counts", counts(p.counts)),
            ("rootCauses", list(p.rootCauses) { cause in
                var pairs = pairs(cause.object)
                pairs.append(("blocks", .int(Int64(cause.blocks))))
                return .map(pairs)
            }),
            ("failing", list(p.failing) { .map(pairs($0)) }),
            ("stale", list(p.stale) { .map(pairs($0)) }),
            ("drifted", list(p.drifted) { .map(pairs($0)) }),
            ("longSuspended", list(p.longSuspended) { .map(pairs($0)) }),
        ])
    }

    public static func explanation(_ e: Explanation, now: Int64) -> OrderedDocument {
        var object = pairs(e.object)
        if e.interval > 0 { object.append(("interval", .string(DiagnosisWords.age(e.interval)))) }
        if e.lastReconcile > 0 {
            object.append(("lastReconcile", time(e.lastReconcile)))
            object.append(("evidence", .string(e.evidence.rawValue)))
        }
        if e.readySince > 0 { object.append(("readySince", time(e.readySince))) }
        object.append(("suspended", .bool(e.suspended)))
        object.append(("blocks", .int(Int64(e.blocks))))
        return .map([
            ("time", .string(Timestamp.rfc3339(secondsSinceEpoch: now))),
            ("object", .map(object)),
            ("pathsToRootCauses", list(e.paths) { path in .list(path.map { .string($0.description) }) }),
            ("dependencies", list(e.dependencies) { .map(pairs($0)) }),
            ("dependents", list(e.dependents) { .map(pairs($0)) }),
        ])
    }

    public static func objects(_ found: Bounded<ObjectSummary>) -> OrderedDocument { list(found) { .map(pairs($0)) } }

    static func counts(_ c: DiagnosisCounts) -> OrderedDocument {
        .map([("objects", c.objects), ("ready", c.ready), ("failing", c.failing), ("blocked", c.blocked),
              ("rootCauses", c.rootCauses), ("failingAlone", c.failingAlone), ("stale", c.stale), ("drifted", c.drifted),
              ("suspended", c.suspended), ("longSuspended", c.longSuspended)].map { ($0.0, .int(Int64($0.1))) })
    }

    static func list<T>(_ bounded: Bounded<T>, _ item: (T) -> OrderedDocument) -> OrderedDocument {
        .map([("items", .list(bounded.items.map(item))), ("more", .int(Int64(bounded.more)))])
    }

    static func time(_ seconds: Int64) -> OrderedDocument { .string(Timestamp.rfc3339(secondsSinceEpoch: seconds)) }

    static func pairs(_ o: ObjectSummary) -> [(String, OrderedDocument)] {
        var out: [(String, OrderedDocument)] = [
            ("kind", .string(o.key.kind)), ("namespace", .string(o.key.namespace)), ("name", .string(o.key.name)),
            ("exists", .bool(o.exists)), ("ready", .string(o.ready.rawValue)),
        ]
        if !o.reason.isEmpty { out.append(("reason", .string(o.reason))) }
        if !o.message.isEmpty { out.append(("message", .string(o.message))) }
        out.append(("state", .string(o.signals.state?.rawValue ?? (o.exists ? "" : "missing"))))
        out.append(("summary", .string(o.state)))
        if o.signals.since > 0 { out.append(("since", time(o.signals.since))) }
        if o.signals.stale { out.append(("stale", .bool(true))) }
        if o.drifted { out.append(("driftedSince", o.driftedSince > 0 ? time(o.driftedSince) : .string(""))) }
        if o.flips > 0 { out.append(("flips", .int(Int64(o.flips)))) }
        if !o.signals.suspendedBy.isEmpty { out.append(("suspendedBy", .string(o.signals.suspendedBy))) }
        if !o.signals.roots.isEmpty { out.append(("rootCauses", .list(o.signals.roots.map { .string($0) }))) }
        return out
    }
}
