/// The cluster at a glance: the root causes, ranked as `Problems` ranks them, each with the blocked
/// objects that name it, at most `limit` objects in all besides the counts of those left out.
public struct RootCauseMap: Sendable {
    public struct Entry: Sendable {
        public var root: ObjectSummary
        /// Blocked objects naming this root (`blocks` in all), by key.
        public var blocked: Bounded<ObjectSummary>
    }

    public var entries: [Entry] = []
    /// Root causes left out.
    public var more = 0

    public static let defaultLimit = 300
    public static let maxLimit = 1000
    /// Root causes shown at most, so each keeps room for some of what it blocks.
    public static let maxRoots = 50
}

extension Diagnosis {
    /// At most `RootCauseMap.maxRoots` root causes and `limit` objects (clamped to
    /// `1...RootCauseMap.maxLimit`) in all: the room left by the roots is shared out evenly.
    public func rootCauseMap(limit: Int = RootCauseMap.defaultLimit) -> RootCauseMap {
        let cap = min(max(1, limit), RootCauseMap.maxLimit)
        let shown = Array(ranked.prefix(min(RootCauseMap.maxRoots, cap)))
        var blockedBy: [DependencyGraph.Node: [Int]] = [:]
        let wanted = Set(shown.map(\.node))
        for i in graph.objects.indices {
            let s = signals(of: i)
            guard s.state == .blocked else { continue }
            for root in s.roots {
                guard let key = ObjectKey(parsing: root) else { continue }
                let node = graph.node(key).map { DependencyGraph.Node.object($0) } ?? .missing(key)
                if wanted.contains(node) { blockedBy[node, default: []].append(i) }
            }
        }
        let perRoot = shown.isEmpty ? 0 : max(0, (cap - shown.count) / shown.count)
        var map = RootCauseMap()
        map.more = ranked.count - shown.count
        for (node, _) in shown {
            let members = (blockedBy[node] ?? []).sorted { ObjectKey(graph.objects[$0]) < ObjectKey(graph.objects[$1]) }
            map.entries.append(RootCauseMap.Entry(root: summary(node), blocked: Bounded(members.lazy.map { summary(.object($0)) }, limit: perRoot)))
        }
        return map
    }
}
