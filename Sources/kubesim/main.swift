import ArgumentParser
import KubeSim
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `kubesim`: the simulated Kubernetes API server as a standalone process.
struct KubeSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubesim",
        abstract: "A simulated Kubernetes API server (for tests, benchmarks and the demo).")

    @Option(help: "Port to listen on (127.0.0.1); 0 picks a free one.")
    var port = 0

    @Option(name: .customLong("kubeconfig-out"), help: "Write a ready-to-use kubeconfig to this path.")
    var kubeconfigOut = "/tmp/kubesim.kubeconfig"

    @Option(help: "Load every YAML file of this directory (e.g. fixtures/flux/v2.7.0) as the Flux installation.")
    var fixtures: String?

    @Option(help: "Generate a fleet of this many Flux objects.")
    var fleet = 0

    @Option(help: "Seed of the fleet generator.")
    var seed: UInt64 = 1

    @Option(help: "Tenant namespaces of the fleet.")
    var namespaces = 10

    @Option(name: .customLong("not-ready-controllers"), help: "Controller Deployments reported unavailable.")
    var notReadyControllers = 0

    @Flag(name: .customLong("flux-operator"), help: "Also FluxInstance, ResourceSet and ResourceSetInputProvider objects.")
    var fluxOperator = false

    @Flag(name: .customLong("plain-http"), help: "Serve plain HTTP instead of HTTPS.")
    var plainHTTP = false

    @Option(help: "Bearer token to accept (random by default).")
    var token: String?

    @Option(name: .customLong("bookmark-interval"), help: "Seconds between watch bookmarks.")
    var bookmarkInterval = 5

    @Option(name: .customLong("history"), help: "Changes kept for watch resumes.")
    var history = 50_000

    func run() async throws { try await serve() }

    func serve() async throws {
        var options = KubeSimOptions()
        options.port = port
        options.plainHTTP = plainHTTP
        options.token = token
        options.kubeconfigPath = kubeconfigOut
        options.bookmarkInterval = .seconds(max(bookmarkInterval, 1))
        options.historyLimit = history
        let sim = try await KubeSim.start(options)
        if fixtures != nil || fleet > 0 {
            var fleetOptions = FleetOptions(seed: seed, objects: fleet)
            fleetOptions.fixturesDirectory = fixtures
            fleetOptions.namespaces = max(namespaces, 1)
            fleetOptions.notReadyControllers = notReadyControllers
            fleetOptions.fluxOperator = fluxOperator
            let count = try sim.loadFleet(fleetOptions)
            say("kubesim: loaded \(count) objects\n")
        }
        say("kubeconfig: \(kubeconfigOut)\nurl: \(sim.url)\n")
        // SIGINT/SIGTERM end the server: the handler only sets a flag, polled here.
        signal(SIGINT) { _ in StopSignal.requested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in StopSignal.requested.store(true, ordering: .relaxed) }
        while !StopSignal.requested.load(ordering: .relaxed) {
            try? await Task.sleep(for: .milliseconds(200))
        }
        await sim.stop()
        say("kubesim: stopped\n")
    }
}

enum StopSignal {
    static let requested = Atomic<Bool>(false)
}

/// Unbuffered stdout, so a parent process reading the pipe sees the URL at once.
func say(_ text: String) {
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let start = offset
        let n = bytes.withUnsafeBytes { write(1, $0.baseAddress.map { $0 + start }, $0.count - start) }
        if n <= 0 { return }
        offset += n
    }
}

do {
    let command = try KubeSimCommand.parse()
    try await command.serve()
} catch {
    KubeSimCommand.exit(withError: error)
}
