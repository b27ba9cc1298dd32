/// An object's state in words for people: "failing since 3h (5 flips)", "blocked by Kustomization
/// apps/database", "stale: no reconcile for 2h (interval 10m)", "drifted since 5d", "suspended by …".
public enum DiagnosisWords {
    /// An age as kubectl prints one: `45s`, `12m`, `3h`, `9d` (whole units, rounded down); `0s` for
    /// a time in the future.
    public static func age(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 120 { return "\(s)s" }
        if s < 2 * 3600 { return "\(s / 60)m" }
        if s < 2 * 86400 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }

    /// "since 3h", or "" when the time is unknown (0).
    static func since(_ time: Int64, now: Int64) -> String {
        guard time > 0 else { return "" }
        let (elapsed, overflow) = now.subtractingReportingOverflow(time)
        return overflow ? "" : " since \(age(elapsed))"
    }

    public static func state(_ object: FluxObject, _ signals: ObjectSignals, flips: UInt32, now: Int64) -> String {
        switch signals.state {
        case .suspended:
            var text = "suspended"
            if !signals.suspendedBy.isEmpty { text += " by \(signals.suspendedBy)" }
            text += since(signals.since, now: now)
            if !signals.reason.isEmpty { text += ": \(signals.reason)" }
            return text
        case .failing:
            var text = "failing" + since(signals.since, now: now)
            if flips > 0 { text += " (\(flips) flip\(flips == 1 ? "" : "s"))" }
            return text
        case .blocked:
            guard let first = signals.roots.first.flatMap(ObjectKey.init(parsing:)) else {
                return "blocked (no failing dependency found)"
            }
            let others = signals.roots.count - 1
            return "blocked by \(first.display)" + (others > 0 ? " and \(others) more" : "")
        case .stale:
            let interval = object.signals.interval > 0 ? " (interval \(age(object.signals.interval)))" : ""
            let (elapsed, overflow) = now.subtractingReportingOverflow(signals.since)
            guard signals.since > 0, !overflow else { return "stale" + interval }
            return "stale: no reconcile for \(age(elapsed))\(interval)"
        case .drifted:
            return "drifted" + since(signals.since, now: now)
        case nil:
            if object.metricReady == .true { return "ready" }
            return object.ready == .false ? "not ready" : "reconciling"
        }
    }
}
