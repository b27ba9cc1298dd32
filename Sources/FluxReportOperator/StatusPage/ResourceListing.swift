import FluxReport
import KubeCore

/// One page of objects and how many match in all.
struct ResourcePage: Sendable, Equatable {
    var items: [FluxObject]
    /// Objects matching the filters across every page.
    var total: Int
    /// Where the next page starts; nil on the last page.
    var next: ResourceKey?
}

/// What the list reads an object from: the caches' boxed `CachedFluxObject`, or a plain
/// `FluxObject` (tests, small snapshots).
protocol ListedObject {
    var object: FluxObject { get }
}

extension CachedFluxObject: ListedObject {}

extension FluxObject: ListedObject {
    var object: FluxObject { self }
}

/// Builds one page of the object list from a snapshot of the caches, kind by kind: a pure function
/// of the objects it is given. Only the kinds that hold the page are sorted; the others are only
/// counted, so a first page of 100,000 objects sorts one kind, not the fleet. Candidates are kept
/// as the caches' references (a pointer each, not a copy of the object).
struct ResourcePageBuilder<Element: ListedObject> {
    let query: ResourceQuery
    /// `query.filter`, built once; signals (for `status`) are evaluated as of `now`.
    private let filter: ObjectQuery
    private let now: Int64
    private let staleFactor: Int64
    private var items: [Element] = []
    private var total = 0

    init(query: ResourceQuery, now: Int64 = 0, staleFactor: Int64 = Signals.defaultStaleFactor) {
        self.query = query
        filter = query.filter
        self.now = now
        self.staleFactor = staleFactor
    }

    /// Whether objects of `kind` can appear at all (callers skip a kind's lock otherwise).
    func wants(kind: String) -> Bool { query.kind == nil || query.kind == kind }

    /// Adds the objects of one kind. Kinds must come in ascending order, each once (two groups
    /// serving one kind name: add them together), or pages come out of order.
    mutating func add<S: Sequence>(kind: String, objects: S) where S.Element == Element {
        guard wants(kind: kind) else { return }
        let room = query.limit + 1 - items.count  // one more than the page: is there a next page?
        let cursor = query.after
        var candidates: [Element] = []
        for element in objects where ResourceQuery.matches(element.object, kind: query.kind, namespace: query.namespace,
                                                           filter: filter, now: now, staleFactor: staleFactor) {
            total += 1
            if room > 0, cursor.map({ Self.isAfter(element.object, $0) }) ?? true { candidates.append(element) }
        }
        guard room > 0, !candidates.isEmpty else { return }
        candidates.sort { ($0.object.namespace, $0.object.name) < ($1.object.namespace, $1.object.name) }
        items.append(contentsOf: candidates.prefix(room))
    }

    static func isAfter(_ object: FluxObject, _ key: ResourceKey) -> Bool {
        (object.kind, object.namespace, object.name) > (key.kind, key.namespace, key.name)
    }

    func finish() -> ResourcePage {
        guard items.count > query.limit else { return ResourcePage(items: items.map(\.object), total: total, next: nil) }
        let page = items.prefix(query.limit).map(\.object)
        return ResourcePage(items: page, total: total, next: page.last.map(ResourceKey.init))
    }
}

extension ResourcePageBuilder where Element == FluxObject {
    /// A whole listing over kinds given in any order (tests, small snapshots).
    static func page(_ kinds: [(kind: String, objects: [Element])], query: ResourceQuery, now: Int64 = 0) -> ResourcePage {
        var builder = ResourcePageBuilder(query: query, now: now)
        var merged: [String: [FluxObject]] = [:]
        for (kind, objects) in kinds { merged[kind, default: []] += objects }
        for kind in merged.keys.sorted() { builder.add(kind: kind, objects: merged[kind] ?? []) }
        return builder.finish()
    }
}

extension ResourcePage {
    /// `{"items": [...], "total": n, "continue": "..."}`, each item with its `state` (a signal state
    /// or "") and `summary` ("failing since 3h (5 flips)", …) from `state`.
    func json(state: (FluxObject) -> (state: String, summary: String)) -> JSONValue {
        let items = items.map { object -> JSONValue in
            var row = object.listJSON
            let (signal, summary) = state(object)
            row["state"] = .string(signal)
            row["summary"] = .string(summary)
            return row
        }
        var out: JSONValue = ["items": .array(items), "total": .int(Int64(total))]
        if let next { out["continue"] = .string(next.token) }
        return out
    }
}

extension FluxObject {
    /// What a list row shows: identity, Ready, why, since when.
    var listJSON: JSONValue {
        var out: JSONValue = [
            "kind": .string(kind), "apiVersion": .string(apiVersion), "namespace": .string(namespace), "name": .string(name),
            "ready": .string(alwaysReady ? ReadyStatus.true.rawValue : ready.rawValue), "reason": .string(reason),
            "message": .string(message), "suspended": .bool(suspended), "failing": .bool(isFailing),
        ]
        if readySince > 0 { out["since"] = .string(Timestamp.rfc3339(secondsSinceEpoch: readySince)) }
        return out
    }

    /// The object page: the list row plus what the metrics already export about it (revision,
    /// source, URL, ref, path). Nothing from its spec beyond that, never a Secret.
    var detailJSON: JSONValue {
        var out = listJSON
        out["revision"] = .string(revision)
        out["source"] = .string(sourceName)
        out["url"] = .string(url)
        out["ref"] = .string(ref)
        out["path"] = .string(path)
        if artifactSize > 0 { out["artifactSize"] = .int(artifactSize) }
        return out
    }
}
