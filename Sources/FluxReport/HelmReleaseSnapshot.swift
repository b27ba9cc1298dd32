import KubeCore

/// One release of a HelmRelease's `status.history` (newest first, as helm-controller sorts it),
/// down to what the object page shows: 32 bytes, the chart version inline up to 15 bytes.
public struct HelmReleaseSnapshot: Sendable, Equatable {
    /// `lastDeployed` in seconds since the Unix epoch; 0 when absent or malformed.
    public var lastDeployed: Int64
    /// `chartVersion`, cut at `maxChartVersionBytes`.
    public var chartVersion: String
    /// `version`, the Helm release number; 0 when absent, not a whole number, or outside `1...UInt32.max`.
    public var version: UInt32
    public var status: HelmReleaseStatus

    /// Releases kept per HelmRelease: the current one and what it replaced or failed after.
    public static let maxKept = 3
    /// Entries read before giving up on finding `maxKept` usable ones (a hostile list is read only so far).
    static let maxRead = 16
    /// Semantic versions are far shorter; the cap only stops a hostile value from being cached.
    public static let maxChartVersionBytes = 64

    /// The newest `maxKept` usable entries of a `status.history` list, in its order; entries that
    /// are not objects with a chart version, a release number or a status are skipped.
    public static func newest<JSON: JSONReadable>(_ history: JSON) -> [HelmReleaseSnapshot] {
        guard let entries = history.elements else { return [] }
        var kept: [HelmReleaseSnapshot] = []
        for entry in entries.prefix(maxRead) {
            let chartVersion = entry["chartVersion"].string
            let number = entry["version"].int.flatMap { $0 > 0 ? UInt32(exactly: $0) : nil } ?? 0
            let status = HelmReleaseStatus(helm: entry["status"].string)
            guard chartVersion != nil || number > 0 || status != .unknown else { continue }
            if kept.isEmpty { kept.reserveCapacity(min(maxKept, history.elementCount ?? maxKept)) }
            kept.append(HelmReleaseSnapshot(lastDeployed: entry["lastDeployed"].string.flatMap(Timestamp.parseRFC3339) ?? 0,
                                            chartVersion: FluxObject.bounded(chartVersion ?? "", to: maxChartVersionBytes),
                                            version: number, status: status))
            if kept.count == maxKept { break }
        }
        return kept
    }

    /// Heap bytes of an array of `count` snapshots: its 32-byte header and elements in a malloc
    /// chunk (8 bytes of header, 16-byte rounding); chart versions over 15 bytes are counted apart.
    static func arrayBytes(_ count: Int) -> Int {
        count == 0 ? 0 : (32 + count * MemoryLayout<HelmReleaseSnapshot>.stride + 8 + 15) / 16 * 16
    }
}
