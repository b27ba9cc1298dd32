import KubeCore

/// Computes the signals: pure functions of the object, what the operator observed, the clock and the settings.
public enum Signals {
    /// The default `--stale-interval-factor`.
    public static let defaultStaleFactor: Int64 = 3

    /// True when nothing shows progress for `factor` × the object's interval (docs/monitoring.md, Staleness):
    /// periodic evidence older than that; or, for evidence that moves only on change, Ready Unknown
    /// (in progress, or never reconciled since creation) or a spec change not picked up, for that long.
    /// Inlinable (as `staleDeadline`): a scrape asks for every object, and inlined the check reads a
    /// few fields of a cached projection instead of copying it.
    @inlinable
    public static func isStale(_ object: FluxObject, now: Int64, factor: Int64) -> Bool {
        staleDeadline(object, factor: factor).map { now > $0 } ?? false
    }

    /// The instant after which the object is stale (`isStale` ⇔ `now > deadline`), or nil when it
    /// cannot turn stale with its current state. Exact: `now - t > budget` with `t > 0` is
    /// `now > t + budget`, and when `t + budget` overflows no `now` is that late.
    @inlinable
    public static func staleDeadline(_ object: FluxObject, factor: Int64) -> Int64? {
        let s = object.signals
        guard !object.suspended, s.interval > 0, factor > 0 else { return nil }
        let (budget, overflow) = s.interval.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        func after(_ time: Int64) -> Int64? {
            guard time > 0 else { return nil }
            let (deadline, o) = time.addingReportingOverflow(budget)
            return o ? nil : deadline
        }
        if s.periodic { return after(s.lastReconcile) }
        if object.ready == .unknown && !object.alwaysReady { return after(object.readySince > 0 ? object.readySince : s.created) }
        if s.generationPending { return after(max(s.lastReconcile, s.created)) }
        return nil
    }

    /// How a stale object is named in the `ReconcilersStale` message: `Kind namespace/name`.
    public static func staleExample(kind: String, namespace: String, name: String) -> String {
        "\(kind) \(namespace)/\(name)"
    }

    /// The object's signals; `roots` are its dependency roots when it is blocked (see `DependencyRoots`).
    public static func evaluate(_ object: FluxObject, history: SignalHistory?, now: Int64, factor: Int64,
                                roots: [String] = []) -> ObjectSignals {
        var out = ObjectSignals()
        out.stale = isStale(object, now: now, factor: factor)
        let s = object.signals
        if object.suspended {
            out.state = .suspended
            out.suspendedBy = s.suspendedBy
            out.reason = s.suspendReason
            if s.suspendedAt > 0 {
                out.since = s.suspendedAt
                out.sinceSource = "annotation"
            } else {
                out.since = history?.suspendedSince ?? 0
                out.sinceSource = "observed"
            }
        } else if object.isFailing {
            out.state = .failing
            out.reason = object.reason
            out.since = history.map { $0.failingSince > 0 ? $0.failingSince : object.readySince } ?? object.readySince
        } else if object.ready == .false && object.reason == DependencyRoots.dependencyNotReady {
            out.state = .blocked
            out.since = object.readySince
            out.roots = roots
        } else if out.stale {
            out.state = .stale
            out.since = s.lastReconcile > 0 ? s.lastReconcile : max(object.readySince, s.created)
        } else if s.drifted {
            out.state = .drifted
            out.since = s.driftedSince
        }
        return out
    }
}
