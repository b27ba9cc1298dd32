// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets, one per decoder of outside data. Kept out of the root package so
// the production products never link a fuzzer. Build and run with ../hack/fuzz; see docs/fuzzing.md.
let settings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

/// Target name → the root package's modules it exercises.
let fuzzTargets: [(String, [String])] = [
    ("fuzz-json", ["KubeCore"]),
    ("fuzz-json-document", ["KubeCore", "FluxReport"]),
    ("fuzz-watch", ["KubeCore", "KubeClient"]),
    ("fuzz-duration", ["FluxReport"]),
    ("fuzz-kubeconfig", ["KubeClient"]),
    ("fuzz-exec-credential", ["KubeClient"]),
    ("fuzz-status", ["KubeCore", "KubeClient"]),
    ("fuzz-retry-after", ["KubeCore", "KubeClient"]),
    ("fuzz-label-keys", ["FluxReport"]),
    ("fuzz-projection", ["KubeCore", "FluxReport"]),
    ("fuzz-report", ["KubeCore", "FluxReport"]),
]

let package = Package(
    name: "flux-report-operator-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "flux-report-operator", path: "..")],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"], swiftSettings: settings),
    ] + fuzzTargets.map { name, _ in
        .executableTarget(
            name: name,
            dependencies: ["FuzzSupport", .product(name: "Decoders", package: "flux-report-operator")],
            swiftSettings: settings
        )
    }
)
