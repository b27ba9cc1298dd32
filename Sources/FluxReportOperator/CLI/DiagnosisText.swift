import FluxReport
import Foundation

/// The `-o table` form of `problems` and `why`: what a person reads in a terminal.
enum DiagnosisText {
    static func problems(_ p: Problems, now: Int64) -> String {
        var out = p.headline + "\n"
        func section(_ title: String, _ list: Bounded<ObjectSummary>, _ headers: [String], _ row: (ObjectSummary) -> [String]) {
            guard !list.isEmpty else { return }
            var table = TextTable(headers)
            for object in list.items { table.add(row(object)) }
            out += "\n\(title) (\(list.total))\n" + table.text + more(list.more)
        }
        if !p.rootCauses.isEmpty {
            var table = TextTable(["kind", "namespace", "name", "blocks", "reason", "state", "message"])
            for cause in p.rootCauses.items {
                let o = cause.object
                table.add([o.key.kind, o.key.namespace, o.key.name, String(cause.blocks), o.reason, o.state, o.message])
            }
            out += "\nROOT CAUSES (\(p.rootCauses.total))\n" + table.text + more(p.rootCauses.more)
        }
        let objectHeaders = ["kind", "namespace", "name", "reason", "state", "message"]
        func objectRow(_ o: ObjectSummary) -> [String] { [o.key.kind, o.key.namespace, o.key.name, o.reason, o.state, o.message] }
        section("FAILING", p.failing, objectHeaders, objectRow)
        let stateHeaders = ["kind", "namespace", "name", "state"]
        section("STALE", p.stale, stateHeaders) { o in
            [o.key.kind, o.key.namespace, o.key.name, o.signals.state == .stale ? o.state : "stale; " + o.state]
        }
        section("DRIFTED", p.drifted, stateHeaders) { o in
            [o.key.kind, o.key.namespace, o.key.name, o.signals.state == .drifted ? o.state : "drifted; " + o.state]
        }
        section("LONG SUSPENSIONS", p.longSuspended, stateHeaders) { o in [o.key.kind, o.key.namespace, o.key.name, o.state] }
        return out
    }

    static func explanation(_ e: Explanation, now: Int64) -> String {
        let o = e.object
        var out = "\(o.key.display)\n"
        func field(_ name: String, _ value: String) { out += "  " + (name + ":").padding(toLength: 14, withPad: " ", startingAt: 0) + value + "\n" }
        var ready = o.ready.rawValue
        if !o.reason.isEmpty { ready += " " + o.reason }
        if e.readySince > 0 { ready += " (for \(DiagnosisWords.age(now - e.readySince)))" }
        field("Ready", ready)
        if !o.message.isEmpty { field("Message", TextTable.cell(o.message)) }
        field("State", o.state)
        if o.signals.stale && o.signals.state != .stale { field("Stale", "yes: no progress for \(DiagnosisWords.age(now - e.lastReconcile))") }
        if o.drifted && o.signals.state != .drifted {
            field("Drifted", o.driftedSince > 0 ? "since \(DiagnosisWords.age(now - o.driftedSince))" : "yes")
        }
        if e.interval > 0 { field("Interval", DiagnosisWords.age(e.interval)) }
        if e.lastReconcile > 0 { field("Reconciled", "\(DiagnosisWords.age(now - e.lastReconcile)) ago (\(e.evidence.rawValue))") }
        if !e.lastFailureReason.isEmpty, o.ready != .false { field("Last failure", e.lastFailureReason) }
        if !e.revision.isEmpty { field("Revision", e.revision + (e.appliedRevision.map { " (last applied: \($0.isEmpty ? "none" : $0))" } ?? "")) }
        if e.blocks > 0 { field("Blocks", "\(e.blocks) object\(e.blocks == 1 ? "" : "s")") }

        if !e.releases.isEmpty {
            var table = TextTable(["release", "chart version", "status", "deployed"])
            for r in e.releases {
                table.add([r.version > 0 ? "\(r.version)" : "-", r.chartVersion, r.status.rawValue,
                           r.lastDeployed > 0 ? "\(DiagnosisWords.age(now - r.lastDeployed)) ago" : "-"])
            }
            out += "\nRELEASES (newest first)\n" + table.text
        }
        if !e.paths.isEmpty {
            out += "\nPATHS TO ROOT CAUSES (\(e.paths.total))\n"
            for path in e.paths.items { out += "  " + path.map(\.display).joined(separator: " → ") + "\n" }
            out += more(e.paths.more)
        }
        for (title, list) in [("DEPENDENCIES", e.dependencies), ("DEPENDENTS", e.dependents)] where !list.isEmpty {
            var table = TextTable(["kind", "namespace", "name", "ready", "state"])
            for n in list.items { table.add([n.key.kind, n.key.namespace, n.key.name, n.exists ? n.ready.rawValue : "-", n.state]) }
            out += "\n\(title) (\(list.total))\n" + table.text + more(list.more)
        }
        return out
    }

    static func more(_ count: Int) -> String { count > 0 ? "… and \(count) more\n" : "" }
}
