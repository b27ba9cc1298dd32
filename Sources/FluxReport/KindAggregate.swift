/// Everything a report reads of one Flux kind, kept up to date object by object, so that a report
/// costs O(kinds), not O(objects): the `KindStats`, the longest-failing examples, and the signal
/// counts with the stale objects indexed by the instant they turn stale.
///
/// Fed by the operator's cache with `adding`/`removing` (a watch MODIFIED is a removal of the old
/// projection then an addition of the new one); every read equals the from-scratch computation
/// over the same objects (`KindStats(objects:)`, `FailingExamples.of`, `SignalSummary(objects:now:factor:)`).
/// Additions and removals commute, so the order of the events of one state does not matter.
public struct KindAggregate: Sendable {
    /// The stale factor the deadlines were computed with (`Signals.staleDeadline`).
    public let staleFactor: Int64
    public private(set) var stats = KindStats()
    /// Objects, suspended, failing and drifted; `stale` and its examples are read with `signals(now:)`.
    private var counts = SignalSummary()
    /// The failing objects by `namespace/name`.
    private var failing: [String: FailingExamples.Entry] = [:]
    /// The best `FailingExamples.limit` of `failing`, in order; nil when one of them went away and
    /// the next best must be searched for (at the next read).
    private var bestFailing: [FailingExamples.Entry]? = []
    /// Objects that can turn stale, by deadline (then namespace, name): unique, sorted.
    private var deadlines: [Deadline] = []
    /// The kind of the objects (the aggregate holds one kind), for the stale examples' text: kept
    /// once here rather than in each of the (up to one per object) deadline entries.
    private var kind = ""
    /// The stale examples of the last read, kept in step by `add`/`remove`, so that the next read
    /// (the clock having moved forward) only looks at the entries that turned stale since: a
    /// report costs O(log objects + newly stale), not O(stale objects). Nil when one of the
    /// examples went away, so the next best must be searched for.
    private var staleMemo: StaleMemo?

    /// The best `SignalSummary.maxExamples` entries (in example order) of those with a deadline before `asOf`.
    struct StaleMemo: Sendable {
        var asOf: Int64
        var best: [Deadline]
    }

    struct Deadline: Sendable, Comparable {
        var deadline: Int64
        var namespace: String
        /// The object's own strings, shared with it: the name is read from them (no string per entry).
        var text: ObjectText

        init(deadline: Int64, _ object: FluxObject) {
            self.deadline = deadline
            namespace = object.namespace
            text = object.text
        }

        var name: String { text[.name] }

        var isASCII: Bool { namespace.utf8.allSatisfy { $0 < 0x80 } && text.withUTF8(.name) { $0.allSatisfy { $0 < 0x80 } } }

        static func < (a: Deadline, b: Deadline) -> Bool {
            if a.deadline != b.deadline { return a.deadline < b.deadline }
            if a.namespace != b.namespace { return a.namespace < b.namespace }
            // Names the API server allows are ASCII, where byte order is String order.
            if a.isASCII && b.isASCII { return a.text.withUTF8(.name) { l in b.text.withUTF8(.name) { l.lexicographicallyPrecedes($0) } } }
            return a.name < b.name
        }

        static func == (a: Deadline, b: Deadline) -> Bool {
            a.deadline == b.deadline && a.namespace == b.namespace && a.text.withUTF8(.name) { l in b.text.withUTF8(.name) { l.elementsEqual($0) } }
        }
    }

    public init(staleFactor: Int64) {
        self.staleFactor = staleFactor
    }

    /// The aggregate of `objects`, built in O(n log n): the deadlines are sorted once at the end
    /// rather than inserted in order one by one (O(n) each).
    public init(objects: some Sequence<FluxObject>, staleFactor: Int64) {
        self.init(staleFactor: staleFactor)
        for object in objects { add(object, keepingOrder: false) }
        deadlines.sort()
    }

    public func adding(_ object: FluxObject) -> KindAggregate {
        var copy = self
        copy.add(object)
        return copy
    }

    public func removing(_ object: FluxObject) -> KindAggregate {
        var copy = self
        copy.remove(object)
        return copy
    }

    public mutating func add(_ object: FluxObject) {
        add(object, keepingOrder: true)
    }

    /// `keepingOrder: false` appends the object's deadline unsorted (the caller sorts them after).
    private mutating func add(_ object: FluxObject, keepingOrder: Bool) {
        stats.add(object)
        counts.objects += 1
        if object.suspended { counts.suspended += 1 }
        if object.signals.drifted { counts.drifted += 1 }
        if object.isFailing {
            counts.failing += 1
            let entry = FailingExamples.Entry(object)
            failing[entry.key] = entry
            if var best = bestFailing, best.count < FailingExamples.limit || entry < best[best.count - 1] {
                best.insert(entry, at: best.firstIndex { entry < $0 } ?? best.count)
                if best.count > FailingExamples.limit { best.removeLast() }
                bestFailing = best
            }
        }
        if let deadline = Signals.staleDeadline(object, factor: staleFactor) {
            if kind.isEmpty { kind = object.kind }
            let entry = Deadline(deadline: deadline, object)
            if keepingOrder {
                deadlines.insert(entry, at: Self.lowerBound(deadlines) { $0 < entry })
            } else {
                deadlines.append(entry)
            }
            if var memo = staleMemo, deadline < memo.asOf {
                staleMemo = nil  // not left shared while `offer` changes it
                offer(entry, to: &memo.best)
                staleMemo = memo
            }
        }
    }

    /// Removes an object added before (exactly this projection of it).
    public mutating func remove(_ object: FluxObject) {
        stats.remove(object)
        counts.objects -= 1
        if object.suspended { counts.suspended -= 1 }
        if object.signals.drifted { counts.drifted -= 1 }
        if object.isFailing {
            counts.failing -= 1
            let key = "\(object.namespace)/\(object.name)"
            failing.removeValue(forKey: key)
            if let best = bestFailing, best.contains(where: { $0.key == key }) { bestFailing = nil }
        }
        if let deadline = Signals.staleDeadline(object, factor: staleFactor) {
            let entry = Deadline(deadline: deadline, object)
            let index = Self.lowerBound(deadlines) { $0 < entry }
            if index < deadlines.count, deadlines[index] == entry { deadlines.remove(at: index) }
            if let memo = staleMemo, deadline < memo.asOf, memo.best.contains(entry) { staleMemo = nil }
        }
    }

    /// `FailingExamples.of` the objects: O(limit), or O(failing) once after one of the best went away.
    public mutating func failingExamples() -> [FailingExample] {
        if let best = bestFailing { return best.map(\.example) }
        let best = Array(failing.values.sorted().prefix(FailingExamples.limit))
        bestFailing = best
        return best.map(\.example)
    }

    /// `SignalSummary(objects:now:factor:)` of the objects: O(log objects + objects turned stale
    /// since the last read) when the clock moved forward, O(log objects + stale objects) otherwise.
    public mutating func signals(now: Int64) -> SignalSummary {
        var summary = counts
        // Stale ⇔ now > deadline: the entries before the first deadline ≥ now.
        summary.stale = Self.lowerBound(deadlines) { $0.deadline < now }
        var best: [Deadline] = []
        var from = 0
        if let memo = staleMemo, memo.asOf <= now {
            best = memo.best
            from = Self.lowerBound(deadlines) { $0.deadline < memo.asOf }
        }
        staleMemo = nil
        for entry in deadlines[from..<summary.stale] { offer(entry, to: &best) }
        staleMemo = StaleMemo(asOf: now, best: best)
        summary.staleExamples = best.map { Signals.staleExample(kind: kind, namespace: $0.namespace, name: $0.name) }
        return summary
    }

    /// Puts `entry` among the first `SignalSummary.maxExamples` of `best` (sorted in example order).
    private func offer(_ entry: Deadline, to best: inout [Deadline]) {
        if best.count == SignalSummary.maxExamples, let last = best.last, !examplePrecedes(entry, last) { return }
        best.insert(entry, at: best.firstIndex { examplePrecedes(entry, $0) } ?? best.count)
        if best.count > SignalSummary.maxExamples { best.removeLast() }
    }

    /// Example order: String order of the `Kind namespace/name` texts. All entries share the kind,
    /// so for ASCII (what the API server allows in names) it is the byte order of `namespace/name`,
    /// compared without building the texts.
    private func examplePrecedes(_ a: Deadline, _ b: Deadline) -> Bool {
        if a.isASCII && b.isASCII { return Self.precedes(a, b) }
        return Signals.staleExample(kind: kind, namespace: a.namespace, name: a.name)
            < Signals.staleExample(kind: kind, namespace: b.namespace, name: b.name)
    }

    /// Whether `a`'s `namespace/name` sorts before `b`'s, by bytes (String order for ASCII).
    static func precedes(_ a: Deadline, _ b: Deadline) -> Bool {
        a.text.withUTF8(.name) { leftNameBytes in
            b.text.withUTF8(.name) { rightNameBytes in
                precedes(a.namespace, leftNameBytes, b.namespace, rightNameBytes)
            }
        }
    }

    private static func precedes(_ leftNamespace: String, _ leftNameBytes: UnsafeBufferPointer<UInt8>,
                                 _ rightNamespace: String, _ rightNameBytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var left = leftNamespace.utf8.makeIterator()
        var right = rightNamespace.utf8.makeIterator()
        var leftName = leftNameBytes.makeIterator()
        var rightName = rightNameBytes.makeIterator()
        var leftPart = 0  // 0 namespace, 1 the slash, 2 name
        var rightPart = 0
        func next(_ part: inout Int, _ namespace: inout String.UTF8View.Iterator, _ name: inout UnsafeBufferPointer<UInt8>.Iterator) -> UInt8? {
            if part == 0 {
                if let byte = namespace.next() { return byte }
                part = 1
                return UInt8(ascii: "/")
            }
            part = 2
            return name.next()
        }
        while true {
            let l = next(&leftPart, &left, &leftName)
            let r = next(&rightPart, &right, &rightName)
            switch (l, r) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let l?, let r?): if l != r { return l < r }
            }
        }
    }

    /// The first index whose element is not `before` (the elements `before` form a prefix).
    static func lowerBound(_ array: [Deadline], _ before: (Deadline) -> Bool) -> Int {
        var low = 0
        var high = array.count
        while low < high {
            let mid = low + (high - low) / 2
            if before(array[mid]) { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
