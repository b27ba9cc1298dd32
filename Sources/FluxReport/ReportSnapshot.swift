import Foundation
import KubeCore

/// Why one part of the snapshot could not be read (API error, forbidden, timeout, cache not synced).
public struct PartError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A part of the snapshot read with a list/get: its value or why it failed.
public typealias PartResult<T> = Result<T, PartError>

/// A single object looked up by name: found, confirmed absent (404), or the read failed.
public enum Lookup<T: Sendable>: Sendable {
    case found(T)
    case notFound
    case failed(PartError)
}

extension Lookup: Equatable where T: Equatable {}

/// The entitlement Secret, reduced to what the report reads (never the token itself).
public struct EntitlementSecret: Sendable, Equatable {
    public var hasToken: Bool
    public var vendor: String?

    public init(hasToken: Bool, vendor: String? = nil) {
        self.hasToken = hasToken
        self.vendor = vendor
    }

    /// Reads a Secret object: keys of `data` (or `stringData`); `vendor` is base64-decoded from `data`.
    public init(json: JSONValue) {
        let data = json["data"].object ?? [:]
        let stringData = json["stringData"].object ?? [:]
        hasToken = data["token"] != nil || stringData["token"] != nil
        if let encoded = data["vendor"]?.string {
            vendor = Data(base64Encoded: encoded.filter { !$0.isWhitespace })
                .flatMap { String(validating: Array($0), as: UTF8.self) } ?? encoded
        } else {
            vendor = stringData["vendor"]?.string
        }
    }
}

/// The API server's `/version`.
public struct ServerVersionInfo: Sendable, Equatable {
    public var gitVersion: String
    public var platform: String
    public init(gitVersion: String, platform: String) {
        self.gitVersion = gitVersion
        self.platform = platform
    }
}

/// A FluxInstance as the sync rule needs it.
public struct FluxInstanceInfo: Sendable, Equatable {
    public var name: String
    /// `spec.sync.name`, nil when absent or empty.
    public var syncName: String?

    public init(name: String, syncName: String? = nil) {
        self.name = name
        self.syncName = syncName
    }

    public init(json: JSONValue) {
        let sync = json[path: "spec", "sync", "name"].string
        self.init(name: json.name, syncName: (sync?.isEmpty ?? true) ? nil : sync)
    }
}

/// Everything the report reads, captured at one moment. Each part read from the API may have failed.
///
/// Filling it, in order (the sync part depends on the instances):
/// 1. `crds`: every CRD (filtered with `FluxCRD.isReported`), and `kindStats` keyed by `FluxCRD.groupKind`.
/// 2. `sourceCRD`: lookup of `gitrepositories.source.toolkit.fluxcd.io` (any labels).
/// 3. `fluxInstances`, then `ClusterSync.kustomizationName(namespace:instances:)` names the Kustomization to
///    look up in `syncKustomization`, and `SyncKustomization.sourceRef` names `syncSource`.
public struct ReportSnapshot: Sendable {
    /// The operator's namespace (normally `flux-system`).
    public var namespace: String
    public var crds: PartResult<[FluxCRD]>
    /// Per-kind counters, keyed by `FluxCRD.groupKind`. A missing key means that kind was not read.
    public var kindStats: [String: PartResult<KindStats>]
    public var sourceCRD: Lookup<FluxCRD>
    public var entitlement: Lookup<EntitlementSecret>
    public var serverVersion: PartResult<ServerVersionInfo>
    public var nodeCount: PartResult<Int>
    /// Deployments in the namespace labelled `app.kubernetes.io/part-of=flux`.
    public var deployments: PartResult<[DeploymentInfo]>
    public var fluxInstances: PartResult<[FluxInstanceInfo]>
    public var syncKustomization: Lookup<SyncKustomization>
    public var syncSource: Lookup<SyncSource>
    /// Signal counts over every readable Flux object (docs/monitoring.md, Signals); nil leaves the
    /// report's `ReconcilersStale` condition as it was.
    public var signals: SignalSummary?
    /// Per kind (`FluxCRD.groupKind`), the longest-failing objects (`FailingExamples`), for event messages.
    public var failingExamples: [String: [FailingExample]] = [:]

    public init(
        namespace: String, crds: PartResult<[FluxCRD]> = .success([]), kindStats: [String: PartResult<KindStats>] = [:],
        sourceCRD: Lookup<FluxCRD> = .notFound, entitlement: Lookup<EntitlementSecret> = .notFound,
        serverVersion: PartResult<ServerVersionInfo> = .failure(PartError("server version not read")),
        nodeCount: PartResult<Int> = .success(0), deployments: PartResult<[DeploymentInfo]> = .success([]),
        fluxInstances: PartResult<[FluxInstanceInfo]> = .success([]),
        syncKustomization: Lookup<SyncKustomization> = .notFound, syncSource: Lookup<SyncSource> = .notFound
    ) {
        self.namespace = namespace
        self.crds = crds
        self.kindStats = kindStats
        self.sourceCRD = sourceCRD
        self.entitlement = entitlement
        self.serverVersion = serverVersion
        self.nodeCount = nodeCount
        self.deployments = deployments
        self.fluxInstances = fluxInstances
        self.syncKustomization = syncKustomization
        self.syncSource = syncSource
    }
}
