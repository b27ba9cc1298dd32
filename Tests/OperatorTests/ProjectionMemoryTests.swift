import CSystemShims
import FluxReport
import Foundation
import KubeCore
import KubeSim
import Testing

@testable import FluxReportOperator

/// What the cache holds per object: the simulator's fleet projected as the informers project it
/// (interned strings, one box each), measured two ways. The estimate (inline size plus
/// `estimatedHeapBytes`) is deterministic and bounded here; the resident figure (`RssAnon` grown
/// while projecting, free heap pages given back first: malloc's rounding included) is printed for
/// docs/benchmarks.md and is exact only when the suite runs alone
/// (`swift test --skip-build --filter ProjectionMemoryTests`).
///
/// The cost of the dependency edges is the difference to the same fleet with `spec.dependsOn`
/// taken out of every object that does not wait on a dependency (what is kept without edges for
/// healthy objects).
@Suite(.serialized) struct ProjectionMemoryTests {
    struct Figures {
        var objects = 0
        var withDependencies = 0
        var estimate = 0
        var resident = 0
    }

    static func documents(withoutHealthyEdges: Bool) throws -> [(kind: String, bytes: [UInt8])] {
        let count = ProcessInfo.processInfo.environment["PROJECTION_MEMORY_OBJECTS"].flatMap(Int.init).map { min(max($0, 1_000), 1_000_000) }
        var options = FleetOptions(seed: 11, objects: count ?? 5_000)
        options.fluxOperator = true
        var generator = FleetGenerator(options)
        var documents: [(kind: String, bytes: [UInt8])] = []
        try generator.generate { object in
            guard let kind = object.kind, object.apiVersion?.contains("fluxcd") == true else { return }
            var json = try JSONValue.parse(object.serialized())
            if withoutHealthyEdges, json.condition("Ready")?.reason != DependencyRoots.dependencyNotReady, json["spec"]["dependsOn"] != .null {
                json["spec"]["dependsOn"] = .null
            }
            documents.append((kind, json.serialized()))
        }
        return documents
    }

    static func measure(_ documents: [(kind: String, bytes: [UInt8])]) throws -> Figures {
        let nodes = try documents.map { (kind: $0.kind, node: try JSONDocument(bytes: $0.bytes)) }
        let interner = StringInterner()
        var kept: [CachedFluxObject] = []
        kept.reserveCapacity(nodes.count)
        var figures = Figures()
        _ = flux_release_free_memory()
        let before = Self.residentAnonymousBytes()
        for (kind, document) in nodes {
            kept.append(CachedFluxObject.project(document.root, kind: kind, apiVersion: nil, keepLabels: [], interner: interner))
        }
        let after = Self.residentAnonymousBytes()
        figures.objects = kept.count
        figures.resident = (after - before) / max(1, kept.count)
        for cached in kept {
            figures.estimate += MemoryLayout<FluxObject>.stride + cached.object.estimatedHeapBytes
            if !cached.object.dependencies.isEmpty { figures.withDependencies += 1 }
        }
        figures.estimate /= max(1, kept.count)
        return figures
    }

    /// `RssAnon` of /proc/self/status in bytes (0 where there is none).
    static func residentAnonymousBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("RssAnon:") }
        return (line?.split(separator: " ").dropFirst().first).flatMap { Int($0) }.map { $0 * 1024 } ?? 0
    }

    @Test func bytesPerCachedObject() throws {
        let all = try Self.measure(Self.documents(withoutHealthyEdges: false))
        let waitingOnly = try Self.measure(Self.documents(withoutHealthyEdges: true))
        print("projection memory, FluxObject \(MemoryLayout<FluxObject>.stride) bytes inline, \(all.objects) objects (\(all.withDependencies) with dependencies): estimate \(all.estimate) B/object, "
              + "resident \(all.resident) B/object (box and array slot included); without the dependsOn of objects not waiting: "
              + "estimate \(waitingOnly.estimate), resident \(waitingOnly.resident)")
        #expect(all.objects >= 1_000)
        #expect(all.withDependencies > all.objects / 4, "Kustomizations, HelmReleases, HelmCharts and ImagePolicies keep their edges")
        // 451 bytes when measured (the generated fleet's long revisions, URLs and names
        // included, and the HelmReleases' kept releases).
        #expect(all.estimate <= 480, "\(all.estimate) bytes per object")
        // Healthy objects' edges: a few bytes per object on average, not a box each.
        #expect(all.estimate - waitingOnly.estimate <= 16, "\(all.estimate - waitingOnly.estimate) bytes per object for the edges")
    }
}
