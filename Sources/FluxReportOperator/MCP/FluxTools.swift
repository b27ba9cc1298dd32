import FluxReport
import Foundation
import KubeCore

/// The read-only diagnosis tools (docs/mcp.md, Tools), answered from a `FluxView`: the report, a
/// filtered object list, one object's explanation and the ranked root causes. Each answer is
/// bounded (at most `maxItems` entries per list plus how many more, messages cut) and never
/// holds a Secret's content: the caches keep no Secret, only the projections of Flux objects.
enum FluxTools {
    static let maxItems = 50
    /// Longest message shown in the text content (the structured content keeps the projection's bound).
    static let textMessageCharacters = 240
    static let statuses = SignalState.allCases.map(\.rawValue)

    static let definitions: [ToolDefinition] = [
        ToolDefinition(
            name: "get_flux_report", title: "Flux report",
            description: "The cluster's FluxReport: Flux distribution and version, controllers, per-kind counts of running, "
                + "failing and suspended objects, the cluster sync, and the report's Ready condition. Start here for an overview.",
            inputSchema: ToolSchema.object([]), outputSchema: OutputSchema.report),
        ToolDefinition(
            name: "list_root_causes", title: "Root causes",
            description: "What to fix first: the objects other objects wait on (failing, suspended or missing), ranked by how many "
                + "blocked objects each holds up, then the failing objects that block nothing. Follow up with explain_flux_object.",
            inputSchema: ToolSchema.object([
                ("limit", ToolSchema.integer("Root causes to return.", range: 1...maxItems, default: 10)),
            ]), outputSchema: OutputSchema.rootCauses),
        ToolDefinition(
            name: "list_flux_objects", title: "Flux objects",
            description: "Flux objects matching every filter given, sorted by kind, namespace and name, each with its state "
                + "(ready, failing since, blocked by, stale, drifted, suspended) and Ready reason and message.",
            inputSchema: ToolSchema.object([
                ("kind", ToolSchema.kind),
                ("namespace", ToolSchema.namespace),
                ("status", ToolSchema.choice("Only objects in this state.", statuses)),
                ("text", ToolSchema.string("Text looked for in the name, Ready reason and message (letters match either case; * is any run of characters).",
                                           maxLength: ToolArguments.maxStringBytes)),
                ("limit", ToolSchema.integer("Objects to return.", range: 1...maxItems, default: 20)),
            ]), outputSchema: OutputSchema.objects),
        ToolDefinition(
            name: "explain_flux_object", title: "Explain a Flux object",
            description: "Why one object is in its state: its Ready condition, its signal state with times, the chain from it to each "
                + "root cause when it is blocked, what it depends on and what depends on it with their states, and its recent transitions.",
            inputSchema: ToolSchema.object([
                ("kind", ToolSchema.kind), ("namespace", ToolSchema.namespace), ("name", ToolSchema.name),
            ], required: ["kind", "namespace", "name"]), outputSchema: OutputSchema.explanation),
    ]

    static var names: [String] { definitions.map(\.name) }

    /// Answers a call of one of `definitions`; nil for another name. The arguments are checked
    /// before `view` is asked for the data, so a bad call is answered as such whatever the cluster.
    static func call(_ name: String, arguments: JSONValue?,
                     view: () async throws(ToolError) -> FluxView) async -> ToolResult? {
        do throws(ToolError) {
            switch name {
            case "get_flux_report":
                _ = try ToolArguments(arguments, allowed: [])
                return await report(try await view())
            case "list_root_causes":
                let args = try ToolArguments(arguments, allowed: ["limit"])
                let limit = try args.integer("limit", in: 1...maxItems, default: 10)
                return rootCauses(try await view().diagnosis(), limit: limit)
            case "list_flux_objects":
                let args = try ToolArguments(arguments, allowed: ["kind", "namespace", "status", "text", "limit"])
                let kind = try args.kind("kind", required: false)
                var terms: [ObjectQuery.Term] = []
                if let namespace = try args.namespace("namespace", required: false) {
                    terms.append(ObjectQuery.Term(.field(.ns, namespace)))
                }
                if let status = try args.choice("status", statuses), let parsed = ObjectQuery.Status(rawValue: status) {
                    terms.append(ObjectQuery.Term(.status(parsed)))
                }
                if let text = try args.string("text") { terms.append(ObjectQuery.Term(.text(text))) }
                let limit = try args.integer("limit", in: 1...maxItems, default: 20)
                let data = try await view()
                if let kind { terms.insert(ObjectQuery.Term(.field(.kind, try served(kind, data))), at: 0) }
                return objects(data.diagnosis(), query: ObjectQuery(terms: terms), limit: limit)
            case "explain_flux_object":
                let args = try ToolArguments(arguments, allowed: ["kind", "namespace", "name"])
                let kind = try args.kind("kind", required: true) ?? ""
                let namespace = try args.namespace("namespace", required: true) ?? ""
                let name = try args.objectName("name")
                let data = try await view()
                return try explain(ObjectKey(kind: try served(kind, data), namespace: namespace, name: name), data)
            default:
                return nil
            }
        } catch {
            return .error(error)
        }
    }

    /// The kind as the cluster serves it (a case-insensitive match), or an error listing those served.
    static func served(_ kind: String, _ view: FluxView) throws(ToolError) -> String {
        let kinds = view.kinds
        if let match = kinds.first(where: { $0 == kind }) ?? kinds.first(where: { $0.lowercased() == kind.lowercased() }) {
            return match
        }
        throw ToolError("unknown kind \"\(ToolArguments.clip(kind))\": this cluster serves "
                        + (kinds.isEmpty ? "no Flux kind (are the Flux CRDs installed?)" : kinds.joined(separator: ", ")))
    }

    // MARK: get_flux_report

    static func report(_ view: FluxView) async -> ToolResult {
        let computed = await view.report.current()
        let spec = computed.result.spec
        let status = computed.result.status
        var lines = ["FluxReport \(view.cache.namespace)/\(FluxReportAPI.reportName), computed \(time(computed.computedAt))"]
        let distribution = spec.distribution
        lines.append("Distribution: \(distribution.version ?? "unknown version") (\(distribution.status))"
                     + (distribution.managedBy.map { ", managed by \($0)" } ?? ""))
        if let cluster = spec.cluster {
            lines.append("Cluster: Kubernetes \(cluster.serverVersion) \(cluster.platform)" + (cluster.nodes.map { ", \($0) nodes" } ?? ""))
        }
        let notReady = spec.components.filter { !$0.ready }
        lines.append("Controllers: \(spec.components.count - notReady.count)/\(spec.components.count) ready"
                     + (notReady.isEmpty ? "" : "; not ready: " + notReady.map { "\($0.name) (\(cut($0.status)))" }.joined(separator: ", ")))
        for reconciler in spec.reconcilers {
            let stats = reconciler.stats
            lines.append("  \(reconciler.kind): \(stats.running) running, \(stats.failing) failing, \(stats.suspended) suspended")
        }
        if let sync = spec.sync {
            lines.append("Sync \(sync.id): " + (sync.ready ? "ready" : "not ready") + " — \(cut(sync.status))")
        }
        if let ready = status.ready {
            lines.append("Report Ready \(ready.status) (\(ready.reason)): \(cut(ready.message))")
        }
        for failure in computed.result.failures { lines.append("Not read: \(failure.part): \(cut(failure.error))") }
        let structured: JSONValue = [
            "namespace": .string(view.cache.namespace),
            "computedAt": .string(Timestamp.rfc3339(secondsSinceEpoch: computed.computedAt)),
            "spec": spec.document.json,
            "status": status.document.json,
            "failures": .array(computed.result.failures.map { ["part": .string($0.part), "error": .string($0.error)] }),
        ]
        return ToolResult(text: lines.joined(separator: "\n"), structured: structured)
    }

    // MARK: list_root_causes

    static func rootCauses(_ diagnosis: Diagnosis, limit: Int) -> ToolResult {
        var problems = diagnosis.problems()
        problems.rootCauses = first(limit, of: problems.rootCauses)
        problems.failing = first(limit, of: problems.failing)
        problems.stale = first(0, of: problems.stale)
        problems.drifted = first(0, of: problems.drifted)
        problems.longSuspended = first(0, of: problems.longSuspended)
        var lines = [problems.headline + "."]
        if problems.rootCauses.isEmpty {
            lines.append("No object blocks another.")
        } else {
            lines.append("Root causes, most blocking first:")
            for (i, cause) in problems.rootCauses.items.enumerated() {
                lines.append("\(i + 1). \(cause.object.key.display) blocks \(cause.blocks): \(describe(cause.object))")
            }
            if problems.rootCauses.more > 0 { lines.append("… and \(problems.rootCauses.more) more root causes (raise limit, at most \(maxItems)).") }
        }
        if !problems.failing.isEmpty {
            lines.append("Failing on their own (blocking nothing):")
            for object in problems.failing.items { lines.append("- \(object.key.display): \(describe(object))") }
            if problems.failing.more > 0 { lines.append("… and \(problems.failing.more) more.") }
        }
        if !problems.rootCauses.isEmpty || !problems.failing.isEmpty {
            lines.append("Next: explain_flux_object on a root cause, or on an object it blocks for the chain.")
        }
        var structured = DiagnosisDocument.problems(problems, now: diagnosis.now).json
        // Stale, drifted and suspended lists are list_flux_objects' answers; the counts stay.
        for key in ["stale", "drifted", "longSuspended"] { structured[key] = .null }
        structured["failingAlone"] = structured["failing"]
        structured["failing"] = .null
        return ToolResult(text: lines.joined(separator: "\n"), structured: structured)
    }

    // MARK: list_flux_objects

    static func objects(_ diagnosis: Diagnosis, query: ObjectQuery, limit: Int) -> ToolResult {
        let found = first(limit, of: diagnosis.filter(query))
        var lines: [String]
        if found.isEmpty {
            lines = ["No Flux object matches" + (query.terms.isEmpty ? "." : " \(query).")]
        } else {
            lines = ["\(found.total) Flux object\(found.total == 1 ? "" : "s") match" + (query.terms.isEmpty ? "" : " \(query)")
                     + (found.more > 0 ? " (first \(found.items.count) shown)" : "") + ":"]
            for object in found.items { lines.append("- \(object.key.display): \(describe(object))") }
            if found.more > 0 { lines.append("… and \(found.more) more (narrow the filters, or raise limit up to \(maxItems)).") }
        }
        var structured = DiagnosisDocument.objects(found).json
        structured["total"] = .int(Int64(found.total))
        return ToolResult(text: lines.joined(separator: "\n"), structured: structured)
    }

    // MARK: explain_flux_object

    static let explainItems = 20
    static let explainTransitions = 10

    static func explain(_ key: ObjectKey, _ view: FluxView) throws(ToolError) -> ToolResult {
        let diagnosis = view.diagnosis()
        guard var explanation = diagnosis.explain(key) else {
            throw ToolError("\(key.display) not found: list_flux_objects with kind \(key.kind) lists those that exist")
        }
        explanation.dependencies = first(explainItems, of: explanation.dependencies)
        explanation.dependents = first(explainItems, of: explanation.dependents)
        let transitions = view.feed.transitions(of: ResourceKey(kind: key.kind, namespace: key.namespace, name: key.name),
                                                limit: explainTransitions)
        let object = explanation.object
        var lines = ["\(key.display): \(object.state)"]
        var ready = "Ready \(object.ready.rawValue)"
        if !object.reason.isEmpty { ready += " (\(object.reason))" }
        if explanation.readySince > 0 { ready += " since \(time(explanation.readySince))" }
        if !object.message.isEmpty { ready += ": \(cut(object.message))" }
        lines.append(ready)
        if object.signals.since > 0, let state = object.signals.state {
            lines.append("Signal: \(state.rawValue) since \(time(object.signals.since))" + (object.flips > 0 ? ", \(object.flips) Ready flips seen" : ""))
        }
        if explanation.interval > 0 {
            lines.append("Interval \(DiagnosisWords.age(explanation.interval))"
                         + (explanation.lastReconcile > 0 ? ", last reconcile \(time(explanation.lastReconcile))" : ""))
        }
        if let applied = explanation.appliedRevision {
            lines.append("Revision: last attempted \(explanation.revision), last applied \(applied.isEmpty ? "none" : applied)")
        }
        if !explanation.releases.isEmpty {
            lines.append("Releases (newest first): " + explanation.releases.map { r in
                (r.version > 0 ? "#\(r.version) " : "") + "chart \(r.chartVersion) \(r.status.rawValue)"
                    + (r.lastDeployed > 0 ? " \(time(r.lastDeployed))" : "")
            }.joined(separator: "; "))
        }
        if explanation.blocks > 0 { lines.append("Root cause: \(explanation.blocks) blocked object\(explanation.blocks == 1 ? " waits" : "s wait") on it.") }
        if !explanation.paths.isEmpty {
            lines.append("Chain to the root cause\(explanation.paths.total == 1 ? "" : "s"):")
            for path in explanation.paths.items { lines.append("  " + path.map(\.display).joined(separator: " → ")) }
            if explanation.paths.more > 0 { lines.append("  … and \(explanation.paths.more) more") }
            if let root = explanation.paths.items.first?.last, let node = diagnosis.graph.node(root) {
                lines.append("Root: \(root.display): \(describe(diagnosis.summary(.object(node))))")
            }
        }
        func list(_ title: String, _ items: Bounded<ObjectSummary>) {
            guard !items.isEmpty else { return }
            lines.append("\(title) (\(items.total)):")
            for item in items.items { lines.append("- \(item.key.display): \(describe(item))") }
            if items.more > 0 { lines.append("… and \(items.more) more") }
        }
        list("Depends on", explanation.dependencies)
        list("Depended on by", explanation.dependents)
        if !transitions.isEmpty {
            lines.append("Recent transitions (newest first):")
            for transition in transitions { lines.append("- \(time(transition.time)) \(cut(transition.change))") }
        }
        var structured = DiagnosisDocument.explanation(explanation, now: diagnosis.now).json
        structured["recentTransitions"] = .array(transitions.map { transition in
            ["time": .string(Timestamp.rfc3339(secondsSinceEpoch: transition.time)), "change": .string(transition.change)]
        })
        return ToolResult(text: lines.joined(separator: "\n"), structured: structured)
    }

    // MARK: Words

    /// The state in words, with the Ready reason and message when they add something.
    static func describe(_ object: ObjectSummary) -> String {
        var text = object.state
        if !object.reason.isEmpty, object.ready != .true { text += "; \(object.reason)" }
        if !object.message.isEmpty { text += ": \(cut(object.message))" }
        return text
    }

    static func cut(_ text: String) -> String {
        text.count <= textMessageCharacters ? text : String(text.prefix(textMessageCharacters - 1)) + "…"
    }

    static func time(_ seconds: Int64) -> String { Timestamp.rfc3339(secondsSinceEpoch: seconds) }

    /// The first `limit` of a bounded list, the rest counted.
    static func first<T>(_ limit: Int, of list: Bounded<T>) -> Bounded<T> { list.prefix(limit) }
}

/// The tools of the running operator's `/mcp`: the diagnosis tools over its own caches.
struct OperatorTools: ToolProvider {
    let view: FluxView
    var tools: [ToolDefinition] { FluxTools.definitions }

    func call(_ name: String, arguments: JSONValue?) async -> ToolResult? {
        await FluxTools.call(name, arguments: arguments) { () throws(ToolError) in view }
    }
}
