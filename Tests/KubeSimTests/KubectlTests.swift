import Foundation
import KubeCore
import KubeSim
import TestSupport
import Testing

/// The real kubectl against the simulator over HTTPS.
enum Kubectl {
    static let path: String? = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// kubectl 1.20 (Debian `kubernetes-client`), e.g. extracted with `dpkg-deb -x`: `KUBESIM_KUBECTL_LEGACY=/path/to/kubectl`.
    static let legacyPath: String? = ProcessInfo.processInfo.environment["KUBESIM_KUBECTL_LEGACY"].flatMap {
        FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil
    }

    static func run(_ args: [String], kubeconfig: String, stdin: String? = nil, binary: String? = nil) async throws -> ChildProcess.Outcome {
        guard let path = binary ?? path else { throw TimedOut("no kubectl binary") }
        return try await ChildProcess.run(path, ["--kubeconfig", kubeconfig] + args,
                                          environment: ["KUBECONFIG": kubeconfig, "HOME": NSTemporaryDirectory()],
                                          input: stdin.map { Array($0.utf8) })
    }
}

@Suite("KubeSim with the real kubectl", .serialized, .enabled(if: Kubectl.path != nil, "no kubectl binary"))
struct KubectlTests {
    /// KubeSim knows no FluxReport type: the resource of the CRD the test applies.
    static let fluxReports = GroupVersionResource(group: "fluxcd.controlplane.io", version: "v1", resource: "fluxreports", kind: "FluxReport")

    static func startTLS(clientCertificates: Bool = false) async throws -> (KubeSim, String) {
        let dir = NSTemporaryDirectory() + "kubesim-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var options = KubeSimOptions()
        options.kubeconfigPath = dir + "/kubeconfig"
        options.clientCertificateAuth = clientCertificates
        let sim = try await KubeSim.start(options)
        return (sim, dir)
    }

    @Test(.enabled(if: FleetTests.fixturesDirectory != nil, "no Flux fixtures directory"))
    func applyGetAnnotateEventsDelete() async throws {
        let fixtures = try #require(FleetTests.fixturesDirectory)
        let (sim, dir) = try await Self.startTLS()
        defer { Task { await sim.stop() } }
        #expect(sim.url.hasPrefix("https://127.0.0.1:"))
        let kubeconfig = try #require(sim.kubeconfigPath)
        // The FluxReport CRD and a few objects come from the generator; the Flux manifests through kubectl.
        var fleet = FleetOptions(seed: 5, objects: 30)
        fleet.nodes = 1
        try sim.loadFleet(fleet)

        let apply = try await Kubectl.run(["apply", "-n", "flux-system", "-f", fixtures], kubeconfig: kubeconfig)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("deployment.apps/source-controller"))

        let crds = try await Kubectl.run(["get", "crd"], kubeconfig: kubeconfig)
        #expect(crds.status == 0, "\(crds.stderr)")
        #expect(crds.stdout.contains("gitrepositories.source.toolkit.fluxcd.io"))
        #expect(crds.stdout.contains("helmreleases.helm.toolkit.fluxcd.io"))

        let list = try await Kubectl.run(["get", "kustomizations.kustomize.toolkit.fluxcd.io", "-A", "-o", "json"], kubeconfig: kubeconfig)
        #expect(list.status == 0, "\(list.stderr)")
        let items = try JSONValue.parse(list.stdout)["items"].array ?? []
        let expected = 1 + 30 * 25 / 100
        #expect(items.count == expected)

        let report = """
            apiVersion: fluxcd.controlplane.io/v1
            kind: FluxReport
            metadata:
              name: flux
              namespace: flux-system
            spec:
              distribution:
                entitlement: Unknown
            """
        try report.write(toFile: dir + "/report.yaml", atomically: true, encoding: .utf8)
        let created = try await Kubectl.run(["apply", "-f", dir + "/report.yaml"], kubeconfig: kubeconfig)
        #expect(created.status == 0, "\(created.stderr)")
        let yaml = try await Kubectl.run(["-n", "flux-system", "get", "fluxreport/flux", "-o", "yaml"], kubeconfig: kubeconfig)
        #expect(yaml.status == 0, "\(yaml.stderr)")
        #expect(yaml.stdout.contains("name: flux"))
        #expect(yaml.stdout.contains("entitlement: Unknown"))
        let other = try await Kubectl.run(["apply", "-f", "-"], kubeconfig: kubeconfig, stdin: report.replacingOccurrences(of: "name: flux\n", with: "name: other\n"))
        #expect(other.status != 0)
        #expect(other.stderr.contains("the only accepted name for a FluxReport is 'flux'"))

        let annotate = try await Kubectl.run(["-n", "flux-system", "annotate", "--overwrite", "fluxreport/flux", "reconcile.fluxcd.io/requestedAt=now"], kubeconfig: kubeconfig)
        #expect(annotate.status == 0, "\(annotate.stderr)")
        let annotated = sim.get(Self.fluxReports, namespace: "flux-system", name: "flux")
        #expect(annotated?.annotations["reconcile.fluxcd.io/requestedAt"] == "now")

        try sim.load(objects: [["apiVersion": "v1", "kind": "Event",
                                "metadata": ["name": "flux.1", "namespace": "flux-system"],
                                "involvedObject": ["kind": "FluxReport", "name": "flux", "namespace": "flux-system"],
                                "reason": "ReportUpdated", "message": "report updated", "type": "Normal", "count": 1]])
        let events = try await Kubectl.run(["get", "events", "-n", "flux-system"], kubeconfig: kubeconfig)
        #expect(events.status == 0, "\(events.stderr)")
        #expect(events.stdout.contains("ReportUpdated"))

        let deleted = try await Kubectl.run(["-n", "flux-system", "delete", "fluxreport/flux"], kubeconfig: kubeconfig)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(sim.get(Self.fluxReports, namespace: "flux-system", name: "flux") == nil)
    }

    @Test(.enabled(if: Kubectl.legacyPath != nil && FleetTests.fixturesDirectory != nil, "set KUBESIM_KUBECTL_LEGACY to a kubectl 1.20 binary"))
    func legacyKubectlApplyAndGet() async throws {
        let legacy = try #require(Kubectl.legacyPath)
        let (sim, dir) = try await Self.startTLS()
        defer { Task { await sim.stop() } }
        let kubeconfig = try #require(sim.kubeconfigPath)
        var fleet = FleetOptions(seed: 5, objects: 10)
        fleet.nodes = 1
        try sim.loadFleet(fleet)
        let fixtures = try #require(FleetTests.fixturesDirectory)
        let apply = try await Kubectl.run(["apply", "-n", "flux-system", "-f", fixtures], kubeconfig: kubeconfig, binary: legacy)
        #expect(apply.status == 0, "\(apply.stderr)")
        try "apiVersion: fluxcd.controlplane.io/v1\nkind: FluxReport\nmetadata:\n  name: flux\n  namespace: flux-system\nspec: {}\n"
            .write(toFile: dir + "/report.yaml", atomically: true, encoding: .utf8)
        #expect(try await Kubectl.run(["apply", "-f", dir + "/report.yaml"], kubeconfig: kubeconfig, binary: legacy).status == 0)
        let get = try await Kubectl.run(["get", "kustomizations.kustomize.toolkit.fluxcd.io", "-A", "-o", "json"], kubeconfig: kubeconfig, binary: legacy)
        #expect(get.status == 0, "\(get.stderr)")
        #expect((try JSONValue.parse(get.stdout))["items"].array?.isEmpty == false)
    }

    /// The chart's FluxReport CRD marks Entitlement `priority: 10`: like the API server, KubeSim sends each
    /// column's priority in the Table, so kubectl shows it only with `-o wide`.
    @Test func printerColumnPriorityHidesEntitlementWithoutWide() async throws {
        let (sim, dir) = try await Self.startTLS()
        defer { Task { await sim.stop() } }
        let kubeconfig = try #require(sim.kubeconfigPath)
        var root = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        root.removeLast(3)  // Tests/KubeSimTests/KubectlTests.swift
        _ = try sim.loadFixtures(directory: root.joined(separator: "/") + "/config/crd/bases")
        try sim.load(objects: [["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "flux-system"]]])
        let report = """
            apiVersion: fluxcd.controlplane.io/v1
            kind: FluxReport
            metadata: {name: flux, namespace: flux-system}
            spec:
              distribution: {entitlement: Issued, status: Installed}
            """
        try report.write(toFile: dir + "/report.yaml", atomically: true, encoding: .utf8)
        let created = try await Kubectl.run(["apply", "-f", dir + "/report.yaml"], kubeconfig: kubeconfig)
        #expect(created.status == 0, "\(created.stderr)")

        let plain = try await Kubectl.run(["-n", "flux-system", "get", "fluxreport"], kubeconfig: kubeconfig)
        #expect(plain.status == 0, "\(plain.stderr)")
        let header = plain.stdout.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) } ?? []
        #expect(header == ["NAME", "AGE", "READY", "STATUS", "LASTUPDATED"], "\(plain.stdout)")
        #expect(!plain.stdout.contains("Issued"))

        let wide = try await Kubectl.run(["-n", "flux-system", "get", "fluxreport", "-o", "wide"], kubeconfig: kubeconfig)
        #expect(wide.status == 0, "\(wide.stderr)")
        let wideHeader = wide.stdout.split(separator: "\n").first.map { $0.split(separator: " ").map(String.init) } ?? []
        #expect(wideHeader == ["NAME", "AGE", "READY", "STATUS", "LASTUPDATED", "ENTITLEMENT"], "\(wide.stdout)")
        #expect(wide.stdout.contains("Issued"))
    }

    @Test func wrongTokenIsRejected() async throws {
        let (sim, dir) = try await Self.startTLS()
        defer { Task { await sim.stop() } }
        let text = sim.kubeconfig.replacingOccurrences(of: "token: \(sim.token)", with: "token: wrong")
        try text.write(toFile: dir + "/bad", atomically: true, encoding: .utf8)
        let result = try await Kubectl.run(["get", "ns"], kubeconfig: dir + "/bad")
        #expect(result.status != 0)
        #expect(result.stderr.contains("Unauthorized") || result.stderr.contains("credentials"))
    }

    @Test func clientCertificateAuth() async throws {
        let (sim, _) = try await Self.startTLS(clientCertificates: true)
        defer { Task { await sim.stop() } }
        let kubeconfig = try #require(sim.kubeconfigPath)
        let result = try await Kubectl.run(["get", "ns", "default", "-o", "name"], kubeconfig: kubeconfig)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("namespace/default"))
    }
}
