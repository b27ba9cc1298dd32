import KubeCore

// Report → ordered document / JSON (the server-side apply body), in docs/report.md field order.

extension FluxReportSpec {
    public var document: OrderedDocument {
        var pairs: [(String, OrderedDocument)] = [("distribution", distribution.document)]
        if let cluster { pairs.append(("cluster", cluster.document)) }
        if let op = self.operator { pairs.append(("operator", op.document)) }
        if !components.isEmpty { pairs.append(("components", .list(components.map(\.document)))) }
        if !reconcilers.isEmpty { pairs.append(("reconcilers", .list(reconcilers.map(\.document)))) }
        if let sync { pairs.append(("sync", sync.document)) }
        return .map(pairs)
    }

    /// The `spec` object for a server-side apply body.
    public func toJSON() -> JSONValue { document.json }
}

extension FluxDistributionStatus {
    var document: OrderedDocument {
        var pairs: [(String, OrderedDocument)] = [("entitlement", .string(entitlement)), ("status", .string(status))]
        if let version { pairs.append(("version", .string(version))) }
        if let managedBy { pairs.append(("managedBy", .string(managedBy))) }
        return .map(pairs)
    }
}

extension ClusterInfo {
    var document: OrderedDocument {
        var pairs: [(String, OrderedDocument)] = [("serverVersion", .string(serverVersion)), ("platform", .string(platform))]
        if let nodes, nodes > 0 { pairs.append(("nodes", .int(Int64(nodes)))) }
        return .map(pairs)
    }
}

extension OperatorInfo {
    var document: OrderedDocument {
        .map([("apiVersion", .string(apiVersion)), ("version", .string(version)), ("platform", .string(platform))])
    }
}

extension FluxComponentStatus {
    var document: OrderedDocument {
        .map([("name", .string(name)), ("ready", .bool(ready)), ("status", .string(status)), ("image", .string(image))])
    }
}

extension FluxReconcilerStatus {
    var document: OrderedDocument {
        var stats: [(String, OrderedDocument)] = [
            ("running", .int(Int64(self.stats.running))), ("failing", .int(Int64(self.stats.failing))),
            ("suspended", .int(Int64(self.stats.suspended))),
        ]
        if let size = self.stats.totalSize { stats.append(("totalSize", .string(size))) }
        return .map([("apiVersion", .string(apiVersion)), ("kind", .string(kind)), ("stats", .map(stats))])
    }
}

extension FluxSyncStatus {
    var document: OrderedDocument {
        var pairs: [(String, OrderedDocument)] = [("id", .string(id))]
        if let path { pairs.append(("path", .string(path))) }
        pairs.append(("ready", .bool(ready)))
        pairs.append(("status", .string(status)))
        if let source { pairs.append(("source", .string(source))) }
        return .map(pairs)
    }
}

extension FluxReportStatus {
    public var document: OrderedDocument {
        var pairs: [(String, OrderedDocument)] = []
        if !conditions.isEmpty { pairs.append(("conditions", .list(conditions.map(\.document)))) }
        if let lastHandledReconcileAt { pairs.append(("lastHandledReconcileAt", .string(lastHandledReconcileAt))) }
        return .map(pairs)
    }

    /// The `status` object for a server-side apply of the status subresource.
    public func toJSON() -> JSONValue { document.json }
}

extension Condition {
    /// metav1.Condition in the order kubectl prints it.
    var document: OrderedDocument {
        var pairs: [(String, OrderedDocument)] = [("lastTransitionTime", .string(lastTransitionTime))]
        pairs.append(("message", .string(message)))
        if let observedGeneration { pairs.append(("observedGeneration", .int(observedGeneration))) }
        pairs.append(("reason", .string(reason)))
        pairs.append(("status", .string(status)))
        pairs.append(("type", .string(type)))
        return .map(pairs)
    }
}

extension FluxReportObject {
    /// The whole object (apiVersion, kind, metadata, spec, status) for `report -o yaml|json`.
    public var document: OrderedDocument {
        var metadata: [(String, OrderedDocument)] = []
        if !annotations.isEmpty {
            metadata.append(("annotations", .map(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        metadata.append(("name", .string(name)))
        metadata.append(("namespace", .string(namespace)))
        var pairs: [(String, OrderedDocument)] = [
            ("apiVersion", .string(FluxReportAPI.apiVersion)), ("kind", .string(FluxReportAPI.kind)),
            ("metadata", .map(metadata)), ("spec", spec.document),
        ]
        let status = self.status.document
        if case .map(let s) = status, !s.isEmpty { pairs.append(("status", status)) }
        return .map(pairs)
    }

    /// Server-side apply body for the main resource (`spec` only; status goes to the subresource).
    public func applyBody() -> JSONValue {
        [
            "apiVersion": .string(FluxReportAPI.apiVersion), "kind": .string(FluxReportAPI.kind),
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": spec.toJSON(),
        ]
    }

    /// Server-side apply body for the `status` subresource.
    public func statusApplyBody() -> JSONValue {
        [
            "apiVersion": .string(FluxReportAPI.apiVersion), "kind": .string(FluxReportAPI.kind),
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "status": status.toJSON(),
        ]
    }

    public func renderYAML() throws -> String { try document.renderYAML() }
    public func renderJSON() -> String { document.renderJSON() }
}
