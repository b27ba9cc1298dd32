/// The diagnosis of one snapshot of Flux objects: a pure function of the objects, what the operator
/// observed of them over time (`SignalHistory`, optional), the clock and the settings.
///
/// Built once per snapshot: the dependency index, each object's signals from `Signals.evaluate`
/// (roots from `DependencyRoots`, as the operator's series), and the ranked root causes. Answers
/// (`problems`, `explain`, `filter`) then read these, each bounded by `settings`.
public struct Diagnosis: Sendable {
    public let graph: DependencyGraph
    public let now: Int64
    public let settings: DiagnosisSettings
    public let counts: DiagnosisCounts
    /// Signals of the objects that have a state or are stale; every other object's are empty.
    private let signals: [Int: ObjectSignals]
    /// Non-default history, by object.
    private let history: [Int: SignalHistory]
    /// Root causes with the number of blocked objects naming each, ranked (most first, then key).
    let ranked: [(node: DependencyGraph.Node, blocks: Int)]
    private let blocksByRoot: [DependencyGraph.Node: Int]

    public init(objects: [FluxObject], now: Int64, settings: DiagnosisSettings = DiagnosisSettings(),
                history: (FluxObject) -> SignalHistory? = { _ in nil }) {
        let graph = DependencyGraph(objects: objects)
        var resolver = DependencyRoots { text in
            ObjectKey(parsing: text).flatMap(graph.node).map { graph.objects[$0] }
        }
        var signals: [Int: ObjectSignals] = [:]
        var kept: [Int: SignalHistory] = [:]
        var counts = DiagnosisCounts()
        var blocks: [DependencyGraph.Node: Int] = [:]
        for (i, object) in objects.enumerated() {
            counts.objects += 1
            let entry = history(object)
            if let entry, !entry.isDefault { kept[i] = entry }
            let waiting = object.ready == .false && object.reason == DependencyRoots.dependencyNotReady && !object.suspended
            let roots = waiting ? resolver.roots(of: object) : []
            let s = Signals.evaluate(object, history: entry, now: now, factor: settings.staleFactor, roots: roots)
            if s.state != nil || s.stale { signals[i] = s }
            if s.stale { counts.stale += 1 }
            if object.signals.drifted { counts.drifted += 1 }
            if object.metricReady == .true && !object.suspended { counts.ready += 1 }
            switch s.state {
            case .failing: counts.failing += 1
            case .suspended:
                counts.suspended += 1
                if Self.isLong(s, now: now, settings: settings) { counts.longSuspended += 1 }
            case .blocked:
                counts.blocked += 1
                for root in s.roots {
                    guard let key = ObjectKey(parsing: root) else { continue }
                    blocks[graph.node(key).map { .object($0) } ?? .missing(key), default: 0] += 1
                }
            case .stale, .drifted, nil: break
            }
        }
        ranked = blocks.map { (node: $0.key, blocks: $0.value) }.sorted {
            $0.blocks != $1.blocks ? $0.blocks > $1.blocks : graph.key($0.node) < graph.key($1.node)
        }
        counts.rootCauses = blocks.count
        counts.failingAlone = signals.reduce(0) { n, pair in
            pair.value.state == .failing && blocks[.object(pair.key)] == nil ? n + 1 : n
        }
        self.graph = graph
        self.now = now
        self.settings = settings
        self.counts = counts
        self.signals = signals
        self.history = kept
        blocksByRoot = blocks
    }

    static func isLong(_ signals: ObjectSignals, now: Int64, settings: DiagnosisSettings) -> Bool {
        guard signals.state == .suspended, signals.since > 0 else { return false }
        let (elapsed, overflow) = now.subtractingReportingOverflow(signals.since)
        return !overflow && elapsed >= settings.longSuspension
    }

    /// Object `i`'s signals (as the operator's series show them at `now`).
    public func signals(of i: Int) -> ObjectSignals { signals[i] ?? ObjectSignals() }

    public func summary(_ node: DependencyGraph.Node) -> ObjectSummary {
        switch node {
        case .missing(let key): return .missing(key)
        case .object(let i):
            let object = graph.objects[i]
            let s = signals(of: i)
            let flips = history[i]?.transitions ?? 0
            return ObjectSummary(key: ObjectKey(object), exists: true, ready: object.ready, reason: object.reason,
                                 message: object.message, signals: s, drifted: object.signals.drifted,
                                 driftedSince: object.signals.driftedSince, flips: flips,
                                 state: DiagnosisWords.state(object, s, flips: flips, now: now))
        }
    }

    /// How many blocked objects name this one as a root cause (0 when none).
    public func blocks(_ node: DependencyGraph.Node) -> Int { blocksByRoot[node] ?? 0 }

    // MARK: Problems

    public func problems() -> Problems {
        let limit = settings.items
        let roots = Bounded(ranked.lazy.map { Problems.RootCause(object: summary($0.node), blocks: $0.blocks) }, limit: limit)
        func list(_ include: (Int, ObjectSignals) -> Bool, by order: (Int, ObjectSignals) -> Int64) -> Bounded<ObjectSummary> {
            let chosen = signals.filter { include($0.key, $0.value) }
                .map { (i: $0.key, order: order($0.key, $0.value), key: ObjectKey(graph.objects[$0.key])) }
                .sorted { $0.order != $1.order ? $0.order < $1.order : $0.key < $1.key }
            return Bounded(chosen.lazy.map { summary(.object($0.i)) }, limit: limit)
        }
        // Longest first: an unknown start (0) sorts first, as the oldest possible.
        let failing = list({ i, s in s.state == .failing && blocksByRoot[.object(i)] == nil }, by: { _, s in s.since })
        let stale = list({ _, s in s.stale }, by: { i, _ in graph.objects[i].signals.lastReconcile })
        let drifted = list({ i, _ in graph.objects[i].signals.drifted }, by: { i, _ in graph.objects[i].signals.driftedSince })
        let suspended = list({ _, s in Self.isLong(s, now: now, settings: settings) }, by: { _, s in s.since })
        return Problems(counts: counts, rootCauses: roots, failing: failing, stale: stale, drifted: drifted, longSuspended: suspended)
    }

    // MARK: One object

    /// The explanation of the object with this key; nil when the snapshot has no such object.
    public func explain(_ key: ObjectKey) -> Explanation? {
        guard let i = graph.node(key) else { return nil }
        let object = graph.objects[i]
        let limit = settings.items
        let dependencies = Bounded(graph.dependencies(of: i).lazy.map { summary($0) }, limit: limit)
        let dependents = Bounded(graph.dependents(of: i).lazy.map { summary(.object($0)) }, limit: limit)
        return Explanation(object: summary(.object(i)), readySince: object.readySince, suspended: object.suspended,
                           interval: object.signals.interval, lastReconcile: object.signals.lastReconcile,
                           evidence: object.signals.evidence, revision: object.revision, appliedRevision: object.signals.appliedRevision,
                           releases: object.signals.releases,
                           lastFailureReason: history[i]?.lastFailureReason ?? "", blocks: blocks(.object(i)), dependencies: dependencies,
                           dependents: dependents, paths: paths(from: i))
    }

    /// The shortest path from a blocked object to each of its roots: breadth first through blocked
    /// objects (what `DependencyRoots` follows), each object visited once, so cycles end; paths
    /// longer than `pathDepth` are not followed.
    func paths(from start: Int) -> Bounded<[ObjectKey]> {
        let s = signals(of: start)
        guard s.state == .blocked, !s.roots.isEmpty else { return Bounded() }
        let roots = Set(s.roots.compactMap(ObjectKey.init(parsing:)))
        var parent: [DependencyGraph.Node: DependencyGraph.Node] = [.object(start): .object(start)]
        var depth: [DependencyGraph.Node: Int] = [.object(start): 1]
        var queue: [DependencyGraph.Node] = [.object(start)]
        var head = 0
        var found: [[ObjectKey]] = []
        var reached = 0
        while head < queue.count, parent.count < DependencyRoots.maxVisits {
            let node = queue[head]
            head += 1
            guard case .object(let i) = node, let d = depth[node] else { continue }
            for next in graph.dependencies(of: i) where parent[next] == nil {
                parent[next] = node
                depth[next] = d + 1
                if roots.contains(graph.key(next)) {
                    reached += 1
                    if found.count < settings.paths { found.append(path(to: next, parent)) }
                } else if case .object(let j) = next, signals(of: j).state == .blocked, d + 1 < settings.pathDepth {
                    queue.append(next)
                }
            }
        }
        return Bounded(items: found, more: reached - found.count)
    }

    private func path(to end: DependencyGraph.Node, _ parent: [DependencyGraph.Node: DependencyGraph.Node]) -> [ObjectKey] {
        var keys = [graph.key(end)]
        var node = end
        while let up = parent[node], up != node, keys.count <= settings.pathDepth {
            keys.append(graph.key(up))
            node = up
        }
        return keys.reversed()
    }

    // MARK: Search

    /// The objects the query matches, sorted by key.
    public func filter(_ query: ObjectQuery) -> Bounded<ObjectSummary> {
        var matched: [(key: ObjectKey, i: Int)] = []
        for (i, object) in graph.objects.enumerated() where query.matches(object, signals(of: i)) {
            matched.append((ObjectKey(object), i))
        }
        matched.sort { $0.key < $1.key }
        return Bounded(matched.lazy.map { summary(.object($0.i)) }, limit: settings.items)
    }
}
