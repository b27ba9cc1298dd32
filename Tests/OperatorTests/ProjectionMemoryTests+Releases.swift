import FluxReport
import KubeCore
import Testing

@testable import FluxReportOperator

/// The cost of a HelmRelease's kept releases (`SignalInputs.releases`): the fleet's HelmReleases
/// projected without `status.history`, with the one release the simulator writes, and with five
/// (of which three are kept); the figures are per HelmRelease, for docs/benchmarks.md.
extension ProjectionMemoryTests {
    /// The HelmReleases' documents with their history replaced by `entries(history)`.
    static func helmReleases(_ documents: [(kind: String, bytes: [UInt8])],
                             history entries: (JSONValue) -> JSONValue) throws -> [(kind: String, bytes: [UInt8])] {
        try documents.filter { $0.kind == "HelmRelease" }.map { document in
            var json = try JSONValue.parse(document.bytes)
            json["status"]["history"] = entries(json["status"]["history"])
            return (document.kind, json.serialized())
        }
    }

    /// Five releases, newest first: the simulator's one, then four older superseded ones.
    static func fiveReleases(_ history: JSONValue) -> JSONValue {
        guard case .array(let entries) = history, let newest = entries.first else { return history }
        let number = newest["version"].int ?? 5
        return .array([newest] + (1...4).map { back in
            var older = newest
            older["version"] = .int(number - Int64(back))
            older["chartVersion"] = .string("1.\(back).0")
            older["status"] = "superseded"
            return older
        })
    }

    @Test func bytesPerHelmReleaseForItsReleases() throws {
        let fleet = try Self.documents(withoutHealthyEdges: false)
        let none = try Self.measure(Self.helmReleases(fleet) { _ in .null })
        let one = try Self.measure(Self.helmReleases(fleet) { $0 })
        let five = try Self.measure(Self.helmReleases(fleet, history: Self.fiveReleases))
        print("release history, \(one.objects) HelmReleases of \(fleet.count) objects: without history estimate \(none.estimate) B, "
              + "resident \(none.resident) B per HelmRelease; one release estimate \(one.estimate), resident \(one.resident); "
              + "five (three kept) estimate \(five.estimate), resident \(five.resident)")
        #expect(one.objects >= 100)
        // An array of one (80 bytes) or three (144) snapshots, and the 112-byte box where the
        // HelmRelease has none otherwise; the simulator's chart versions are inline strings.
        #expect((80...112 + 80).contains(one.estimate - none.estimate), "\(one.estimate - none.estimate) bytes per HelmRelease for one release")
        #expect((144...112 + 144).contains(five.estimate - none.estimate), "\(five.estimate - none.estimate) bytes per HelmRelease for three releases")
    }
}
