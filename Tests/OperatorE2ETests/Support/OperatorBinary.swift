import Foundation

/// Where the `flux-report-operator` executable under test is.
///
/// `swift build --build-tests` puts it next to the test bundle (`.build/debug/`), so it is looked up
/// there first, then under the repository's `.build/debug/` (found from this file's path).
/// `FLUX_REPORT_OPERATOR_BIN` overrides both.
enum OperatorBinary {
    struct Missing: Error, CustomStringConvertible {
        var candidates: [String]
        var description: String {
            "flux-report-operator binary not found (looked at \(candidates.joined(separator: ", "))); "
                + "build it first: swift build --build-tests (or swift build --product flux-report-operator)"
        }
    }

    /// `<repo>`: three levels above `Tests/OperatorTests/Support/OperatorBinary.swift`.
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The Flux v2.7.0 manifests shared by the team, next to the repository.
    static var fixturesV270: String { repositoryRoot + "/../shared/fixtures/flux/v2.7.0" }

    static func path() throws -> String {
        var candidates: [String] = []
        if let override = ProcessInfo.processInfo.environment["FLUX_REPORT_OPERATOR_BIN"], !override.isEmpty {
            candidates.append(override)
        }
        if let first = CommandLine.arguments.first {
            var dir = URL(fileURLWithPath: first).deletingLastPathComponent()
            // A bundle path such as `.build/debug/X.xctest/Contents/MacOS/X` on macOS: climb to `.build/debug`.
            while dir.path.contains(".xctest") { dir.deleteLastPathComponent() }
            candidates.append(dir.appendingPathComponent("flux-report-operator").path)
        }
        candidates.append(repositoryRoot + "/.build/debug/flux-report-operator")
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw Missing(candidates: candidates)
    }
}
