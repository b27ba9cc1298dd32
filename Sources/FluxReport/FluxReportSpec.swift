import KubeCore

/// `spec` of `FluxReport/flux`: the observed state of the Flux installation (docs/report.md).
///
/// Field order here is the output order of `toJSON`/`renderYAML`: distribution, cluster, operator,
/// components, reconcilers, sync.
public struct FluxReportSpec: Sendable, Equatable, Codable {
    public var distribution: FluxDistributionStatus
    public var cluster: ClusterInfo?
    public var `operator`: OperatorInfo?
    public var components: [FluxComponentStatus]
    public var reconcilers: [FluxReconcilerStatus]
    public var sync: FluxSyncStatus?

    public init(
        distribution: FluxDistributionStatus, cluster: ClusterInfo? = nil, operator: OperatorInfo? = nil,
        components: [FluxComponentStatus] = [], reconcilers: [FluxReconcilerStatus] = [], sync: FluxSyncStatus? = nil
    ) {
        self.distribution = distribution
        self.cluster = cluster
        self.operator = `operator`
        self.components = components
        self.reconcilers = reconcilers
        self.sync = sync
    }
}

/// `spec.distribution`: is Flux installed, which version, who manages it, entitlement.
public struct FluxDistributionStatus: Sendable, Equatable, Codable {
    public static let installed = "Installed"
    public static let notInstalled = "Not Installed"
    public static let unknown = "Unknown"

    public var entitlement: String
    public var status: String
    public var version: String?
    public var managedBy: String?

    public init(entitlement: String, status: String, version: String? = nil, managedBy: String? = nil) {
        self.entitlement = entitlement
        self.status = status
        self.version = version
        self.managedBy = managedBy
    }
}

/// `spec.cluster`: API server version and platform, node count (nil when 0).
public struct ClusterInfo: Sendable, Equatable, Codable {
    public var serverVersion: String
    public var platform: String
    public var nodes: Int?

    public init(serverVersion: String, platform: String, nodes: Int? = nil) {
        self.serverVersion = serverVersion
        self.platform = platform
        self.nodes = nodes
    }
}

/// `spec.operator`: the program that wrote the report.
public struct OperatorInfo: Sendable, Equatable, Codable {
    public var apiVersion: String
    public var version: String
    public var platform: String

    public init(apiVersion: String = FluxReportAPI.apiVersion, version: String, platform: String) {
        self.apiVersion = apiVersion
        self.version = version
        self.platform = platform
    }
}

/// One entry of `spec.components`: a Flux controller Deployment and its kstatus.
public struct FluxComponentStatus: Sendable, Equatable, Codable {
    public var name: String
    public var ready: Bool
    public var status: String
    public var image: String

    public init(name: String, ready: Bool, status: String, image: String) {
        self.name = name
        self.ready = ready
        self.status = status
        self.image = image
    }
}

/// One entry of `spec.reconcilers`: statistics of one Flux kind.
public struct FluxReconcilerStatus: Sendable, Equatable, Codable {
    public var apiVersion: String
    public var kind: String
    public var stats: FluxReconcilerStats

    public init(apiVersion: String, kind: String, stats: FluxReconcilerStats) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.stats = stats
    }

    /// The API group (without version): identifies the kind across version upgrades.
    public var group: String { GroupVersion(apiVersion: apiVersion).group }
}

/// `stats` of a reconciler entry.
public struct FluxReconcilerStats: Sendable, Equatable, Codable {
    public var running: Int
    public var failing: Int
    public var suspended: Int
    public var totalSize: String?

    public init(running: Int, failing: Int, suspended: Int, totalSize: String? = nil) {
        self.running = running
        self.failing = failing
        self.suspended = suspended
        self.totalSize = totalSize
    }
}

/// `spec.sync`: the cluster's own sync Kustomization and its source.
public struct FluxSyncStatus: Sendable, Equatable, Codable {
    public var id: String
    public var path: String?
    public var ready: Bool
    public var status: String
    public var source: String?

    public init(id: String, path: String? = nil, ready: Bool, status: String, source: String? = nil) {
        self.id = id
        self.path = path
        self.ready = ready
        self.status = status
        self.source = source
    }
}

/// `status` of `FluxReport/flux`.
public struct FluxReportStatus: Sendable, Equatable, Codable {
    public var conditions: [Condition]
    public var lastHandledReconcileAt: String?

    public init(conditions: [Condition] = [], lastHandledReconcileAt: String? = nil) {
        self.conditions = conditions
        self.lastHandledReconcileAt = lastHandledReconcileAt
    }

    /// The `Ready` condition, if any.
    public var ready: Condition? { conditions.first { $0.type == FluxReportAPI.readyCondition } }
}

/// A whole FluxReport object as the operator reads and writes it.
public struct FluxReportObject: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var spec: FluxReportSpec
    public var status: FluxReportStatus
    public var annotations: [String: String]

    public init(
        name: String = FluxReportAPI.reportName, namespace: String, spec: FluxReportSpec,
        status: FluxReportStatus = FluxReportStatus(), annotations: [String: String] = [:]
    ) {
        self.name = name
        self.namespace = namespace
        self.spec = spec
        self.status = status
        self.annotations = annotations
    }
}

/// Names of the API (docs/report.md).
public enum FluxReportAPI {
    public static let group = "fluxcd.controlplane.io"
    public static let version = "v1"
    public static let apiVersion = "fluxcd.controlplane.io/v1"
    public static let kind = "FluxReport"
    public static let reportName = "flux"
    public static let readyCondition = "Ready"
    /// Extra condition with the report-level stale count (docs/monitoring.md, Signals).
    public static let staleCondition = "ReconcilersStale"
    public static let reasonSucceeded = "ReconciliationSucceeded"
    public static let reasonFailed = "ReconciliationFailed"
    public static let gvr = GroupVersionResource.fluxReports
}
