// swift-tools-version:6.1
import PackageDescription

// One module per layer:
//   CCurl            libcurl system library + typed wrappers for its variadic C calls
//   CZlib            zlib system library (gzip for /metrics) + wrappers for its init macros
//   KubeCore         value types shared by every layer (JSON, GVK/GVR, Status, watch events)
//   KubeCore also holds the KubeAPI protocol (the client seam) and its value types: no libcurl
//   KubeFake         an in-memory KubeAPI for unit tests (no HTTP)
//   KubeClient       Kubernetes REST client over libcurl (config, auth, verbs), implements KubeAPI
//   ControllerRuntime informers, work queue, controller, leader election, events, metrics, health
//   FluxReport       the FluxReport API and the report computation (pure functions of a snapshot)
//   KubeSim          a simulated Kubernetes API server for tests, benchmarks and the demo
//   FluxReportOperator the application: reconciler, live metrics, events, CLI commands
//   flux-report-operator the executable (no simulator in its dependency closure)
//   flux-report-demo     the demo: the operator against KubeSim
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "flux-report-operator",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flux-report-operator", targets: ["flux-report-operator"]),
        .executable(name: "kubesim", targets: ["kubesim"]),
        .executable(name: "flux-report-demo", targets: ["flux-report-demo"]),
        // For the fuzz package in Fuzz/ (its only user): the modules that decode outside data.
        .library(name: "Decoders", targets: ["KubeCore", "KubeClient", "FluxReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        // Imported directly (not only through the packages above), so declared.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // The Model Context Protocol server (MCP/): JSON-RPC, stdio and the HTTP transports' logic.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CSystemShims"),
        .target(
            name: "KubeCore",
            swiftSettings: strict
        ),
        .target(
            name: "KubeClient",
            dependencies: [
                "CCurl", "KubeCore",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        // An in-memory KubeAPI for unit tests (controller-runtime's fake client): KubeCore only.
        .target(
            name: "KubeFake",
            dependencies: ["KubeCore"],
            swiftSettings: strict
        ),
        .target(
            name: "ControllerRuntime",
            dependencies: [
                "KubeCore", "CZlib", "CSystemShims",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FluxReport",
            dependencies: ["KubeCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "KubeSim",
            dependencies: [
                "KubeCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FluxReportOperator",
            dependencies: [
                "KubeCore", "KubeClient", "ControllerRuntime", "FluxReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                // The status page's HTTP server (StatusPage/).
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "MCP", package: "swift-sdk"),
            ],
            // The status page's HTML, CSS and scripts, compiled into the binary as byte arrays.
            resources: [.embedInCode("StatusPage/Assets")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "flux-report-operator",
            dependencies: ["FluxReportOperator", "CSystemShims"],
            swiftSettings: strict
        ),
        // The demo: the operator against KubeSim. Its own executable, so the production binary links
        // no simulator, TLS server or certificate generation.
        .executableTarget(
            name: "flux-report-demo",
            dependencies: [
                "FluxReportOperator", "KubeSim", "ControllerRuntime", "KubeClient", "KubeCore", "FluxReport", "CSystemShims",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "kubesim",
            dependencies: ["KubeSim", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strict
        ),
        // What every test target shares: waiting for a condition, child processes, seeded randomness.
        // A plain target (test targets cannot depend on test targets), used by test targets only.
        .target(name: "TestSupport", dependencies: ["KubeCore"], path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "KubeCoreTests", dependencies: ["KubeCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "KubeClientTests", dependencies: ["KubeClient", "KubeCore", "TestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "FluxReportTests", dependencies: ["FluxReport", "KubeCore", "TestSupport", .product(name: "Yams", package: "Yams")], exclude: ["Golden"], swiftSettings: strict),
        .testTarget(name: "KubeSimTests", dependencies: ["KubeSim", "KubeCore", "KubeClient", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ControllerRuntimeTests", dependencies: ["ControllerRuntime", "KubeFake", "KubeClient", "KubeSim", "KubeCore", "CZlib", "TestSupport"], swiftSettings: strict),
        // The expected report (plain LISTs and the domain's builder), shared by the two operator targets.
        .target(name: "OperatorTestSupport", dependencies: ["FluxReportOperator", "FluxReport", "KubeCore"],
                path: "Tests/OperatorTestSupport", swiftSettings: strict),
        // The operator's unit suites: no binary started, seconds in all.
        .testTarget(name: "OperatorTests", dependencies: [
            "FluxReportOperator", "KubeSim", "KubeFake", "KubeClient", "FluxReport", "KubeCore", "ControllerRuntime", "TestSupport",
            "OperatorTestSupport", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        // End to end: the built flux-report-operator against KubeSim, and the chaos test (minutes).
        .testTarget(name: "OperatorE2ETests", dependencies: [
            "FluxReportOperator", "KubeSim", "KubeClient", "FluxReport", "KubeCore", "ControllerRuntime", "TestSupport",
            "OperatorTestSupport", .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
    ]
)
