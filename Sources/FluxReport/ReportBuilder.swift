import KubeCore

/// Inputs of a report that do not come from the cluster.
public struct ReportContext: Sendable {
    /// This product's version, for `spec.operator.version`.
    public var operatorVersion: String
    /// `os/arch` of the running process, for `spec.operator.platform`.
    public var operatorPlatform: String
    /// Now, in seconds since the Unix epoch: the Ready condition's lastTransitionTime when it changes.
    public var now: Int64
    /// How long producing the report took, for the Ready message.
    public var elapsed: Duration
    /// The `requestedAt` annotation value this report handles; nil keeps the previous `lastHandledReconcileAt`.
    public var handledRequest: String?
    /// The FluxReport's `metadata.generation`, copied to the condition's observedGeneration.
    public var generation: Int64?

    public init(
        operatorVersion: String, operatorPlatform: String, now: Int64, elapsed: Duration = .zero,
        handledRequest: String? = nil, generation: Int64? = nil
    ) {
        self.operatorVersion = operatorVersion
        self.operatorPlatform = operatorPlatform
        self.now = now
        self.elapsed = elapsed
        self.handledRequest = handledRequest
        self.generation = generation
    }
}

/// One part of the report that could not be computed this time (its last good value was kept).
public struct PartFailure: Sendable, Equatable, CustomStringConvertible {
    /// `distribution`, `entitlement`, `cluster`, `nodes`, `components`, `reconcilers`,
    /// `reconcilers/<Kind.group>` or `sync`.
    public var part: String
    public var error: String

    public init(part: String, error: String) {
        self.part = part
        self.error = error
    }

    public var description: String { "\(part): \(error)" }
}

/// The outcome of one report computation.
public struct ReportResult: Sendable, Equatable {
    public var spec: FluxReportSpec
    public var status: FluxReportStatus
    /// Parts that kept their previous value; empty when the report is complete.
    public var failures: [PartFailure]
    /// The snapshot's longest-failing objects per kind, for the events (not part of the FluxReport).
    public var failingExamples: [String: [FailingExample]] = [:]
    /// The sync Kustomization as read this time (nil when not found or not read), for the sync events.
    public var syncObject: EventSubject?

    public var ready: Condition? { status.ready }
    public var succeeded: Bool { failures.isEmpty }
}

/// Computes the FluxReport from a snapshot: a pure function, every rule of docs/report.md, Fields.
public enum ReportBuilder {
    /// Builds the report. Parts that failed to be read keep their value from `previous` (a transient
    /// error never blanks a good report) and turn Ready False with reason `ReconciliationFailed`.
    public static func build(
        snapshot: ReportSnapshot, previous: FluxReportSpec? = nil, previousStatus: FluxReportStatus? = nil,
        context: ReportContext
    ) -> ReportResult {
        var failures: [PartFailure] = []
        let distribution = distribution(snapshot, previous: previous, failures: &failures)
        let cluster = cluster(snapshot, previous: previous, failures: &failures)
        let op = OperatorInfo(version: context.operatorVersion, platform: context.operatorPlatform)
        let components = components(snapshot, previous: previous, failures: &failures)
        let reconcilers = reconcilers(snapshot, previous: previous, failures: &failures)
        let sync = sync(snapshot, previous: previous, failures: &failures)
        let spec = FluxReportSpec(
            distribution: distribution, cluster: cluster, operator: op, components: components,
            reconcilers: reconcilers, sync: sync)
        var status = status(failures: failures, previous: previousStatus, context: context)
        if let signals = snapshot.signals {
            status.conditions = staleCondition(signals, previous: previousStatus, now: context.now, conditions: status.conditions)
        }
        var syncObject: EventSubject?
        if case .found(let k) = snapshot.syncKustomization {
            syncObject = EventSubject(apiVersion: k.apiVersion, kind: "Kustomization", namespace: k.namespace, name: k.name,
                                      uid: k.uid, revision: k.revision)
        }
        return ReportResult(spec: spec, status: status, failures: failures, failingExamples: snapshot.failingExamples,
                            syncObject: syncObject)
    }

    /// `Reporting finished in 272ms`: Go's rounding to milliseconds under a second, else to whole seconds.
    public static func durationText(_ d: Duration) -> String {
        let (seconds, attos) = d.components
        let totalMillis = seconds * 1000 + Int64((Double(attos) / 1e15).rounded(.toNearestOrAwayFromZero))
        if seconds < 1 {
            if totalMillis <= 0 { return "0s" }
            if totalMillis < 1000 { return "\(totalMillis)ms" }
            return "1s"
        }
        let wholeSeconds = seconds + (attos >= 500_000_000_000_000_000 ? 1 : 0)
        return GoDuration.formatSeconds(wholeSeconds)
    }

    // MARK: - Parts

    static func distribution(
        _ s: ReportSnapshot, previous: FluxReportSpec?, failures: inout [PartFailure]
    ) -> FluxDistributionStatus {
        var out = FluxDistributionStatus(entitlement: FluxDistributionStatus.unknown, status: FluxDistributionStatus.unknown)
        switch s.sourceCRD {
        case .found(let crd):
            out.status = FluxDistributionStatus.installed
            out.version = crd.labels[FluxKinds.versionLabel].flatMap { $0.isEmpty ? nil : $0 }
            if let managedBy = crd.labels[FluxKinds.managedByLabel], !managedBy.isEmpty {
                out.managedBy = managedBy
            } else if crd.labels[FluxKinds.kustomizeNameLabel] != nil {
                out.managedBy = "flux bootstrap"
            }
        case .notFound:
            out.status = FluxDistributionStatus.notInstalled
        case .failed(let error):
            failures.append(PartFailure(part: "distribution", error: error.message))
            if let p = previous?.distribution {
                out.status = p.status
                out.version = p.version
                out.managedBy = p.managedBy
            }
        }
        switch s.entitlement {
        case .found(let secret) where secret.hasToken:
            if let vendor = secret.vendor, !vendor.isEmpty {
                out.entitlement = "Issued by \(vendor)"
            } else {
                out.entitlement = "Issued"
            }
        case .found, .notFound:
            out.entitlement = FluxDistributionStatus.unknown
        case .failed(let error):
            failures.append(PartFailure(part: "entitlement", error: error.message))
            out.entitlement = previous?.distribution.entitlement ?? FluxDistributionStatus.unknown
        }
        return out
    }

    static func cluster(_ s: ReportSnapshot, previous: FluxReportSpec?, failures: inout [PartFailure]) -> ClusterInfo? {
        var nodes: Int?
        switch s.nodeCount {
        case .success(let n): nodes = n > 0 ? n : nil
        case .failure(let error):
            failures.append(PartFailure(part: "nodes", error: error.message))
            nodes = previous?.cluster?.nodes
        }
        switch s.serverVersion {
        case .success(let v):
            return ClusterInfo(serverVersion: v.gitVersion, platform: v.platform, nodes: nodes)
        case .failure(let error):
            failures.append(PartFailure(part: "cluster", error: error.message))
            guard var kept = previous?.cluster else { return nil }
            kept.nodes = nodes
            return kept
        }
    }

    static func components(
        _ s: ReportSnapshot, previous: FluxReportSpec?, failures: inout [PartFailure]
    ) -> [FluxComponentStatus] {
        switch s.deployments {
        case .success(let deployments):
            return deployments.sorted { $0.name < $1.name }.map { d in
                let result = DeploymentStatus(d)
                return FluxComponentStatus(name: d.name, ready: result.status == .current, status: result.summary, image: d.image)
            }
        case .failure(let error):
            failures.append(PartFailure(part: "components", error: error.message))
            return previous?.components ?? []
        }
    }

    static func reconcilers(
        _ s: ReportSnapshot, previous: FluxReportSpec?, failures: inout [PartFailure]
    ) -> [FluxReconcilerStatus] {
        let crds: [FluxCRD]
        switch s.crds {
        case .success(let list): crds = list
        case .failure(let error):
            failures.append(PartFailure(part: "reconcilers", error: error.message))
            return previous?.reconcilers ?? []
        }
        var previousByGroupKind: [String: FluxReconcilerStatus] = [:]
        for r in previous?.reconcilers ?? [] { previousByGroupKind["\(r.kind).\(r.group)"] = r }

        var seen: Set<String> = []
        var out: [FluxReconcilerStatus] = []
        for crd in crds where crd.isReported {
            guard seen.insert(crd.groupKind).inserted else { continue }
            guard let apiVersion = crd.apiVersion else {
                // No stored version yet (CRD being established): nothing to name it by; keep the last entry.
                if let kept = previousByGroupKind[crd.groupKind] { out.append(kept) }
                continue
            }
            switch s.kindStats[crd.groupKind] ?? .failure(PartError("objects not listed yet")) {
            case .success(let stats):
                out.append(FluxReconcilerStatus(apiVersion: apiVersion, kind: crd.kind, stats: stats.reconcilerStats))
            case .failure(let error):
                failures.append(PartFailure(part: "reconcilers/\(crd.groupKind)", error: error.message))
                if let kept = previousByGroupKind[crd.groupKind] {
                    out.append(FluxReconcilerStatus(apiVersion: apiVersion, kind: crd.kind, stats: kept.stats))
                }
            }
        }
        return out.sorted { ($0.apiVersion + $0.kind) < ($1.apiVersion + $1.kind) }
    }

    static func sync(_ s: ReportSnapshot, previous: FluxReportSpec?, failures: inout [PartFailure]) -> FluxSyncStatus? {
        func keep(_ error: PartError) -> FluxSyncStatus? {
            failures.append(PartFailure(part: "sync", error: error.message))
            return previous?.sync
        }
        if case .failure(let error) = s.fluxInstances { return keep(error) }
        let kustomization: SyncKustomization
        switch s.syncKustomization {
        case .found(let k): kustomization = k
        case .notFound: return nil
        case .failed(let error): return keep(error)
        }

        var sync = FluxSyncStatus(
            id: "kustomization/\(kustomization.name)",
            path: kustomization.path.flatMap { $0.isEmpty ? nil : $0 },
            ready: kustomization.ready?.status != "False",
            status: kustomization.ready.map(\.message) ?? "not initialized")
        switch s.syncSource {
        case .found(let source):
            sync.source = source.url.isEmpty ? nil : source.url
            if let ready = source.ready, ready.status == "False" {
                sync.ready = false
                sync.status += "\n" + ready.message
            }
        case .notFound:
            if let ref = kustomization.sourceRef {
                sync.ready = false
                sync.status += "\n\(ref.kind) \(ref.namespace)/\(ref.name) not found"
            }
        case .failed(let error):
            return keep(error)
        }
        if kustomization.suspended { sync.status = "Suspended " + sync.status }
        return sync
    }

    /// The `ReconcilersStale` condition: the report-level stale count, in the conditions list the
    /// reference schema already carries (any condition type is valid there; spec stays as the reference's).
    static func staleCondition(_ signals: SignalSummary, previous: FluxReportStatus?, now: Int64, conditions: [Condition]) -> [Condition] {
        var condition: Condition
        if signals.stale > 0 {
            let more = signals.stale > signals.staleExamples.count ? ", …" : ""
            condition = Condition(
                type: FluxReportAPI.staleCondition, status: "True", reason: "StaleObjectsFound",
                message: "\(signals.stale) of \(signals.objects) Flux objects show no progress for their stale factor times their interval: "
                    + signals.staleExamples.joined(separator: ", ") + more)
        } else {
            condition = Condition(type: FluxReportAPI.staleCondition, status: "False", reason: "NoStaleObjects",
                                  message: "No stale Flux objects among \(signals.objects)")
        }
        if let old = previous?.conditions.first(where: { $0.type == FluxReportAPI.staleCondition }), old.status == condition.status,
           !old.lastTransitionTime.isEmpty {
            condition.lastTransitionTime = old.lastTransitionTime
        } else {
            condition.lastTransitionTime = Timestamp.rfc3339(secondsSinceEpoch: now)
        }
        return conditions.filter { $0.type != FluxReportAPI.staleCondition } + [condition]
    }

    static func status(failures: [PartFailure], previous: FluxReportStatus?, context: ReportContext) -> FluxReportStatus {
        var ready: Condition
        if failures.isEmpty {
            ready = Condition(
                type: FluxReportAPI.readyCondition, status: "True", reason: FluxReportAPI.reasonSucceeded,
                message: "Reporting finished in \(durationText(context.elapsed))")
        } else {
            let details = failures.map(\.description).joined(separator: "; ")
            ready = Condition(
                type: FluxReportAPI.readyCondition, status: "False", reason: FluxReportAPI.reasonFailed,
                message: "Reporting incomplete, kept the last known values: \(details)")
        }
        ready.observedGeneration = context.generation
        // Like fluxcd/pkg/runtime/conditions: the transition time moves when status, reason or message change.
        if let old = previous?.ready, old.status == ready.status, old.reason == ready.reason, old.message == ready.message,
           !old.lastTransitionTime.isEmpty {
            ready.lastTransitionTime = old.lastTransitionTime
        } else {
            ready.lastTransitionTime = Timestamp.rfc3339(secondsSinceEpoch: context.now)
        }
        var conditions = previous?.conditions.filter { $0.type != FluxReportAPI.readyCondition } ?? []
        conditions.insert(ready, at: 0)
        return FluxReportStatus(
            conditions: conditions, lastHandledReconcileAt: context.handledRequest ?? previous?.lastHandledReconcileAt)
    }
}
