import KubeCore

// FluxReport object (JSONValue) → types, so the operator can start from the previous report.
// Reading is lenient: a field of the wrong type reads as absent, so a report written by another
// version (or edited by hand) never stops the operator.

/// Why a JSON value is not a FluxReport.
public struct ReportDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension FluxReportObject {
    public init(json: JSONValue) throws(ReportDecodingError) {
        guard json.object != nil else { throw ReportDecodingError("a FluxReport must be a JSON object") }
        if let kind = json.kind, kind != FluxReportAPI.kind {
            throw ReportDecodingError("expected kind FluxReport, got \(kind)")
        }
        self.init(
            name: json.name.isEmpty ? FluxReportAPI.reportName : json.name,
            namespace: json.namespace ?? "",
            spec: FluxReportSpec(json: json["spec"]),
            status: FluxReportStatus(json: json["status"]),
            annotations: json.annotations)
    }
}

extension FluxReportSpec {
    /// Reads `spec`; absent parts stay absent (distribution defaults to Unknown).
    public init(json: JSONValue) {
        let d = json["distribution"]
        let distribution = FluxDistributionStatus(
            entitlement: d["entitlement"].string ?? FluxDistributionStatus.unknown,
            status: d["status"].string ?? FluxDistributionStatus.unknown,
            version: d["version"].string, managedBy: d["managedBy"].string)
        var cluster: ClusterInfo?
        let c = json["cluster"]
        if c.object != nil {
            cluster = ClusterInfo(
                serverVersion: c["serverVersion"].string ?? "", platform: c["platform"].string ?? "",
                // Encoded with omitempty: 0 (or a nonsensical negative count) reads as absent, so a
                // decoded report encodes and decodes back to itself.
                nodes: c["nodes"].int.flatMap { $0 > 0 ? Int(exactly: $0) : nil })
        }
        var op: OperatorInfo?
        let o = json["operator"]
        if o.object != nil {
            op = OperatorInfo(
                apiVersion: o["apiVersion"].string ?? FluxReportAPI.apiVersion, version: o["version"].string ?? "",
                platform: o["platform"].string ?? "")
        }
        let components = (json["components"].array ?? []).compactMap { item -> FluxComponentStatus? in
            guard let name = item["name"].string else { return nil }
            return FluxComponentStatus(
                name: name, ready: item["ready"].bool ?? false, status: item["status"].string ?? "",
                image: item["image"].string ?? "")
        }
        let reconcilers = (json["reconcilers"].array ?? []).compactMap { item -> FluxReconcilerStatus? in
            guard let apiVersion = item["apiVersion"].string, let kind = item["kind"].string else { return nil }
            let s = item["stats"]
            return FluxReconcilerStatus(
                apiVersion: apiVersion, kind: kind,
                stats: FluxReconcilerStats(
                    running: Int(s["running"].int ?? 0), failing: Int(s["failing"].int ?? 0),
                    suspended: Int(s["suspended"].int ?? 0), totalSize: s["totalSize"].string))
        }
        var sync: FluxSyncStatus?
        let y = json["sync"]
        if let id = y["id"].string {
            sync = FluxSyncStatus(
                id: id, path: y["path"].string, ready: y["ready"].bool ?? false, status: y["status"].string ?? "",
                source: y["source"].string)
        }
        self.init(
            distribution: distribution, cluster: cluster, operator: op, components: components,
            reconcilers: reconcilers, sync: sync)
    }
}

extension FluxReportStatus {
    public init(json: JSONValue) {
        let conditions = (json["conditions"].array ?? []).compactMap { item -> Condition? in
            guard item.object != nil, item["type"].string != nil else { return nil }
            return Condition(json: item)
        }
        self.init(conditions: conditions, lastHandledReconcileAt: json["lastHandledReconcileAt"].string)
    }
}
