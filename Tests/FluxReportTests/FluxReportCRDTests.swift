import Foundation
import Testing
@testable import FluxReport

@Suite struct FluxReportCRDTests {
    @Test func embeddedCRDEqualsTheShippedFile() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = repository.appendingPathComponent("config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml").path
        let shipped = try String(contentsOfFile: path, encoding: .utf8)
        #expect(FluxReportAPI.customResourceDefinitionYAML == shipped,
                "Sources/FluxReport/FluxReportCRD.swift is out of date: copy config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml into it")
    }
}
