/// What is wrong with a fleet, most useful first (docs/diagnosis.md, Problems).
public struct Problems: Sendable, Equatable {
    /// An object other objects wait on (failing, suspended and not Ready, or missing) and how many
    /// blocked objects name it as a root, directly or through a chain.
    public struct RootCause: Sendable, Equatable {
        public var object: ObjectSummary
        public var blocks: Int
    }

    public var counts: DiagnosisCounts
    /// Ranked by `blocks`, most first, then by key.
    public var rootCauses: Bounded<RootCause>
    /// Failing objects that block nothing, longest failing first.
    public var failing: Bounded<ObjectSummary>
    public var stale: Bounded<ObjectSummary>
    public var drifted: Bounded<ObjectSummary>
    /// Suspended for at least `DiagnosisSettings.longSuspension`, longest first.
    public var longSuspended: Bounded<ObjectSummary>

    /// One line: "All 2,040 Flux objects are Ready", or the counts.
    public var headline: String {
        if counts.healthy && counts.suspended == 0 {
            return counts.objects == counts.ready
                ? "All \(Self.grouped(counts.objects)) Flux objects are Ready"
                : "No problems among \(Self.grouped(counts.objects)) Flux objects (\(Self.grouped(counts.objects - counts.ready)) not Ready yet)"
        }
        var parts: [String] = []
        func add(_ count: Int, _ what: String) { if count > 0 { parts.append("\(Self.grouped(count)) \(what)") } }
        add(counts.rootCauses, counts.rootCauses == 1 ? "root cause" : "root causes")
        add(counts.failing, "failing")
        add(counts.blocked, "blocked")
        add(counts.stale, "stale")
        add(counts.drifted, "drifted")
        add(counts.suspended, "suspended")
        return "\(Self.grouped(counts.objects)) Flux objects: " + parts.joined(separator: ", ")
    }

    /// 2040 → "2,040".
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }
}
