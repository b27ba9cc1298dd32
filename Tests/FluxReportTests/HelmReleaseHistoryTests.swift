@testable import FluxReport
import KubeCore
import TestSupport
import Testing

/// A HelmRelease's `status.history` as the projection keeps it (`HelmReleaseSnapshot.newest`):
/// the newest three releases, compactly, only for HelmReleases; hostile lists (odd types, huge
/// lists and strings, bad numbers) are cut, never crash, and read the same from a document as
/// from a tree.
@Suite struct HelmReleaseHistoryTests {
    static func helmRelease(history: JSONValue, status extra: [String: JSONValue] = [:]) -> JSONValue {
        var status: JSONValue = ["history": history]
        for (key, value) in extra { status[key] = value }
        return fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "podinfo", namespace: "apps", status: status)
    }

    static func entry(_ version: JSONValue, _ chart: JSONValue, _ status: JSONValue, _ deployed: JSONValue) -> JSONValue {
        ["apiVersion": "helm.toolkit.fluxcd.io/v2", "chartName": "podinfo", "chartVersion": chart, "appVersion": "6.5.0",
         "name": "podinfo", "namespace": "apps", "status": status, "version": version,
         "digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         "configDigest": "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
         "firstDeployed": "2026-01-01T00:00:00Z", "lastDeployed": deployed]
    }

    /// Both readings of the object (tree and lazily parsed document), which must agree.
    static func project(_ json: JSONValue, kind: String = "HelmRelease") throws -> FluxObject {
        let tree = FluxObject(json: json, kind: kind)
        let node = FluxObject(json: try JSONDocument(bytes: json.serialized()).root, kind: kind)
        #expect(tree == node)
        return tree
    }

    @Test func theNewestThreeReleasesAreKeptInOrder() throws {
        let history: JSONValue = [
            Self.entry(5, "6.5.4", "failed", "2026-03-05T10:00:00Z"),
            Self.entry(4, "6.5.3", "deployed", "2026-03-04T10:00:00Z"),
            Self.entry(3, "6.5.2", "superseded", "2026-03-03T10:00:00Z"),
            Self.entry(2, "6.5.1", "superseded", "2026-03-02T10:00:00Z"),
        ]
        let object = try Self.project(Self.helmRelease(history: history, status: ["lastAttemptedRevision": "6.5.4"]))
        #expect(object.signals.releases == [
            HelmReleaseSnapshot(lastDeployed: Timestamp.parseRFC3339("2026-03-05T10:00:00Z") ?? -1, chartVersion: "6.5.4", version: 5, status: .failed),
            HelmReleaseSnapshot(lastDeployed: Timestamp.parseRFC3339("2026-03-04T10:00:00Z") ?? -1, chartVersion: "6.5.3", version: 4, status: .deployed),
            HelmReleaseSnapshot(lastDeployed: Timestamp.parseRFC3339("2026-03-03T10:00:00Z") ?? -1, chartVersion: "6.5.2", version: 3, status: .superseded),
        ])
        // The applied revision still comes from the newest deployed release.
        #expect(object.signals.appliedRevision == "6.5.3")
        // Box (112) and a three-element array (32 + 3 × 32 in a 144-byte chunk); the versions are inline strings.
        #expect(object.signals.boxBytes == 112 + 144)
        #expect(MemoryLayout<HelmReleaseSnapshot>.stride == 32)
        #expect(MemoryLayout<FluxObject>.stride <= 120)
    }

    @Test func otherKindsKeepNoReleasesAndNoBox() throws {
        // A Kustomization's history is of reconciles, not Helm releases.
        let history: JSONValue = [["digest": "sha256:1", "firstReconciled": "2026-03-01T00:00:00Z", "lastReconciled": "2026-03-05T00:00:00Z",
                                   "lastReconciledStatus": "ReconciliationSucceeded", "totalReconciliations": 7, "version": 3, "status": "deployed"]]
        let kustomization = fluxObject(kind: "Kustomization", apiVersion: "kustomize.toolkit.fluxcd.io/v1", name: "apps",
                                       status: ["history": history])
        let object = try Self.project(kustomization, kind: "Kustomization")
        #expect(object.signals.releases.isEmpty)
        #expect(object.signals.boxBytes == 0)
        #expect(object.signals.evidence == .history)
        // A HelmRelease without history has no box either.
        #expect(try Self.project(Self.helmRelease(history: .null)).signals.boxBytes == 0)
        #expect(try Self.project(Self.helmRelease(history: [])).signals.boxBytes == 0)
    }

    @Test func hugeStringsAndListsAreCut() throws {
        let huge = String(repeating: "9", count: 10 << 20)
        let long = String(huge.prefix(1 << 16))
        var entries: [JSONValue] = [Self.entry(.string(long), .string(huge), .string(long), .string(long))]
        entries += Array(repeating: Self.entry(7, "1.0.0", "deployed", "2026-03-01T00:00:00Z"), count: 2_000)
        let object = try Self.project(Self.helmRelease(history: .array(entries)))
        let releases = object.signals.releases
        #expect(releases.count == HelmReleaseSnapshot.maxKept)
        let first = try #require(releases.first)
        #expect(first.version == 0 && first.status == .unknown && first.lastDeployed == 0)
        #expect(first.chartVersion.utf8.count <= HelmReleaseSnapshot.maxChartVersionBytes)
        #expect(first.chartVersion.hasPrefix("999") && first.chartVersion.hasSuffix(FluxObject.truncationMarker))
        #expect(object.estimatedHeapBytes < 1_024, "\(object.estimatedHeapBytes) bytes")
        // A list of junk is read only `maxRead` entries deep: nothing kept, no box.
        let junk = try Self.project(Self.helmRelease(history: .array(Array(repeating: .string(long), count: 1_000))))
        #expect(junk.signals.releases.isEmpty && junk.signals.boxBytes == 0)
    }

    // MARK: Randomized against a model

    /// What the projection keeps, computed independently from the tree.
    static func model(_ history: JSONValue) -> [HelmReleaseSnapshot] {
        guard case .array(let entries) = history else { return [] }
        var out: [HelmReleaseSnapshot] = []
        for entry in entries.prefix(16) where out.count < 3 {
            guard case .object(let fields) = entry else { continue }
            var version: UInt32 = 0
            switch fields["version"] {
            case .int(let v)?: version = v > 0 && v <= Int64(UInt32.max) ? UInt32(v) : 0
            case .double(let d)?: version = d >= 1 && d <= Double(UInt32.max) && d.rounded() == d ? UInt32(d) : 0
            default: break
            }
            var chart: String?
            if case .string(let s)? = fields["chartVersion"] { chart = s }
            var status = HelmReleaseStatus.unknown
            if case .string(let s)? = fields["status"] { status = HelmReleaseStatus(rawValue: s) ?? .unknown }
            guard chart != nil || version > 0 || status != .unknown else { continue }
            var deployed: Int64 = 0
            if case .string(let s)? = fields["lastDeployed"] { deployed = Timestamp.parseRFC3339(s) ?? 0 }
            out.append(HelmReleaseSnapshot(lastDeployed: deployed, chartVersion: FluxObject.bounded(chart ?? "", to: 64), version: version,
                                           status: status))
        }
        return out
    }

    static func randomValue(_ rng: inout SplitMix64, kind: Int) -> JSONValue {
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .int(Int64.random(in: -5...5, using: &rng))
        case 3: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 4: return .int(Int64(UInt32.max) + Int64.random(in: -1...1, using: &rng))
        case 5: return .double([2.0, 2.5, -3.0, 1e300, 4_294_967_295.0, 4_294_967_296.0][Int.random(in: 0...5, using: &rng)])
        case 6: return .string(["3", "-1", "", "deployed", "failed", "superseded", "pending-upgrade", "Deployed", "6.5.0"][Int.random(in: 0...8, using: &rng)])
        case 7: return .string(String(repeating: "é", count: Int.random(in: 0...300, using: &rng)))
        case 8: return .string(["2026-03-01T00:00:00Z", "2026-03-01T00:00:00.123456789+02:00", "yesterday", "0000-00-00T00:00:00Z"][Int.random(in: 0...3, using: &rng)])
        case 9: return ["version": 1]
        default: return [1, "a"]
        }
    }

    static func randomEntry(_ rng: inout SplitMix64) -> JSONValue {
        if Int.random(in: 0..<8, using: &rng) == 0 { return randomValue(&rng, kind: Int.random(in: 0...10, using: &rng)) }
        var fields: [String: JSONValue] = ["chartName": "podinfo", "name": "podinfo"]
        for key in ["version", "chartVersion", "status", "lastDeployed"] where Int.random(in: 0..<5, using: &rng) > 0 {
            // Mostly the right type, sometimes any.
            let right: Int
            switch key {
            case "version": right = [2, 4, 5][Int.random(in: 0...2, using: &rng)]
            case "status": right = 6
            case "lastDeployed": right = 8
            default: right = [6, 7][Int.random(in: 0...1, using: &rng)]
            }
            fields[key] = randomValue(&rng, kind: Int.random(in: 0..<3, using: &rng) > 0 ? right : Int.random(in: 0...10, using: &rng))
        }
        return .object(fields)
    }

    @Test func randomHistoriesMatchTheModel() throws {
        try seeded { rng, seed in
            for round in 0..<400 {
                let history: JSONValue
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: history = Self.randomValue(&rng, kind: Int.random(in: 0...10, using: &rng))
                default: history = .array((0..<Int.random(in: 0...24, using: &rng)).map { _ in Self.randomEntry(&rng) })
                }
                let object = try Self.project(Self.helmRelease(history: history))
                let releases = object.signals.releases
                #expect(releases == Self.model(history), "\(seed), round \(round): \(history)")
                #expect(releases.count <= HelmReleaseSnapshot.maxKept, "\(seed), round \(round)")
                #expect(releases.allSatisfy { $0.chartVersion.utf8.count <= HelmReleaseSnapshot.maxChartVersionBytes }, "\(seed), round \(round)")
                #expect(object.signals.boxBytes == (releases.isEmpty ? 0 : 112 + (32 + releases.count * 32 + 8 + 15) / 16 * 16),
                        "\(seed), round \(round)")
                // The document shape: Helm's names, unknown numbers and times left out, never an invalid one.
                let document = DiagnosisDocument.release
                for r in releases {
                    let json = document(r).json
                    #expect(json["version"].int.map { $0 > 0 } ?? (r.version == 0), "\(seed), round \(round)")
                    #expect(json["status"].string.flatMap(HelmReleaseStatus.init(rawValue:)) == r.status, "\(seed), round \(round)")
                    #expect(json["lastDeployed"].string.flatMap(Timestamp.parseRFC3339) == (r.lastDeployed > 0 ? r.lastDeployed : nil),
                            "\(seed), round \(round)")
                }
            }
        }
    }
}
