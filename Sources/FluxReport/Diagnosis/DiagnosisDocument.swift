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
        if !e.lastFailureReason.isEmpty { object.append(("lastFailureReason", .string(e.lastFailureReason))) }
        object.append(("suspended", .bool(e.suspended)))
        if e.object.signals.state == .suspended {
            if !e.object.signals.reason.isEmpty { object.append(("suspendReason", .string(e.object.signals.reason))) }
            if !e.object.signals.sinceSource.isEmpty { object.append(("suspendedSinceSource", .string(e.object.signals.sinceSource))) }
        }
        if !e.revision.isEmpty { object.append(("revision", .string(e.revision))) }
        if let applied = e.appliedRevision { object.append(("lastAppliedRevision", .string(applied))) }
        if !e.releases.isEmpty { object.append(("releases", .list(e.releases.map(release)))) }
        object.append(("blocks", .int(Int64(e.blocks))))
        return .map([
            ("time", .string(Timestamp.rfc3339(secondsSinceEpoch: now))),
            ("object", .map(object)),
            ("pathsToRootCauses", list(e.paths) { path in .list(path.map { .string($0.description) }) }),
            ("dependencies", list(e.dependencies) { .map(pairs($0)) }),
            ("dependents", list(e.dependents) { .map(pairs($0)) }),
        ])
    }

    /// The graph view of one object: nodes (the object first, `id` its index, `layer` as in
    /// `Neighbourhood`), edges `from` → `to` (from depends on to), and "N more" placeholders.
    public static func neighbourhood(_ n: Neighbourhood, now: Int64) -> OrderedDocument {
        .map([
            ("time", .string(Timestamp.rfc3339(secondsSinceEpoch: now))),
            ("nodes", .list(n.nodes.enumerated().map { id, node in
                var out: [(String, OrderedDocument)] = [("id", .int(Int64(id))), ("layer", .int(Int64(node.layer)))]
                out += pairs(node.object)
                if node.blocks > 0 { out.append(("blocks", .int(Int64(node.blocks)))) }
                return .map(out)
            })),
            ("edges", .list(n.edges.map { .map([("from", .int(Int64($0.from))), ("to", .int(Int64($0.to)))]) })),
            ("more", .list(n.more.map { .map([("node", .int(Int64($0.node))), ("layer", .int(Int64($0.layer))), ("count", .int(Int64($0.count)))]) })),
            ("left", .int(Int64(n.left))),
        ])
    }

    /// The cluster view: each root cause with `blocks` and the blocked objects naming it.
    public static func rootCauseMap(_ m: RootCauseMap, now: Int64) -> OrderedDocument {
        .map([
            ("time", .string(Timestamp.rfc3339(secondsSinceEpoch: now))),
            ("rootCauses", .map([
                ("items", .list(m.entries.map { entry in
                    var out = pairs(entry.root)
                    out.append(("blocks", .int(Int64(entry.blocked.total))))
                    out.append(("blocked", list(entry.blocked) { .map(pairs($0)) }))
                    return .map(out)
                })),
                ("more", .int(Int64(m.more))),
            ])),
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

    /// One `status.history` entry under Helm's field names; unknown numbers and times left out.
    static func release(_ r: HelmReleaseSnapshot) -> OrderedDocument {
        var out: [(String, OrderedDocument)] = []
        if r.version > 0 { out.append(("version", .int(Int64(r.version)))) }
        out.append(("chartVersion", .string(r.chartVersion)))
        out.append(("status", .string(r.status.rawValue)))
        if r.lastDeployed > 0 { out.append(("lastDeployed", time(r.lastDeployed))) }
        return .map(out)
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
