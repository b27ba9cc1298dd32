import FluxReport
import KubeCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole reports as YAML against reviewed files in `Golden/`. Set `UPDATE_GOLDEN=1` to rewrite them
/// (then review the diff by hand against docs/report.md, Fields before committing).
@Suite struct GoldenTests {
    /// The complete snapshots the golden files are made of.
    static func reports() throws -> [(name: String, report: FluxReportObject)] {
        var out: [(String, FluxReportObject)] = []
        let ctx = SnapshotFactory.context

        // Flux v2.7.0 installed by the Flux Operator, with an entitlement and the fleet of SnapshotFactory.
        var operatorSnapshot = try SnapshotFactory.snapshot(version: "v2.7.0", bootstrap: false)
        if case .found(var crd) = operatorSnapshot.sourceCRD {
            crd.labels[FluxKinds.managedByLabel] = "flux-operator"
            operatorSnapshot.sourceCRD = .found(crd)
        }
        operatorSnapshot.entitlement = .found(EntitlementSecret(hasToken: true, vendor: "controlplane"))
        var handled = ctx
        handled.handledRequest = "1714564800"
        let operatorReport = ReportBuilder.build(snapshot: operatorSnapshot, context: handled)
        out.append(("v2.7.0-flux-operator", FluxReportObject(namespace: "flux-system", spec: operatorReport.spec, status: operatorReport.status)))

        // Flux v2.3.0 from `flux bootstrap`: a controller rolling out, the sync source failing.
        var objects = SnapshotFactory.fleet().filter { $0[path: "apiVersion"].string?.hasPrefix("fluxcd.controlplane.io") != true }
        if let i = objects.firstIndex(where: { $0.kind == "GitRepository" && $0.name == "flux-system" }) {
            objects[i] = fluxObject(
                kind: "GitRepository", apiVersion: "source.toolkit.fluxcd.io/v1", name: "flux-system",
                spec: ["url": "ssh://git@github.com/org/fleet", "ref": ["branch": "main"]], ready: "False",
                reason: "GitOperationFailed", message: "failed to checkout and determine revision: unable to clone: authentication required",
                status: ["artifact": ["revision": "main@sha1:5f3c", "size": 3_879_731]])
        }
        var bootstrap = try SnapshotFactory.snapshot(version: "v2.3.0", bootstrap: true, withOperator: false, objects: objects)
        if case .success(var deployments) = bootstrap.deployments,
           let i = deployments.firstIndex(where: { $0.name == "kustomize-controller" }) {
            deployments[i].generation = 2
            bootstrap.deployments = .success(deployments)
        }
        bootstrap.nodeCount = .success(1)
        let bootstrapReport = ReportBuilder.build(snapshot: bootstrap, context: ctx)
        out.append(("v2.3.0-bootstrap", FluxReportObject(namespace: "flux-system", spec: bootstrapReport.spec, status: bootstrapReport.status)))

        // The v2.7.0 cluster again, with the API failing for components and one kind: last values kept.
        var partial = operatorSnapshot
        partial.deployments = .failure(PartError("deployments.apps is forbidden: User \"system:serviceaccount:flux-system:flux-report-operator\" cannot list resource \"deployments\""))
        partial.kindStats["HelmRelease.helm.toolkit.fluxcd.io"] = .failure(PartError("the server was unable to return a response in the time allotted"))
        var later = handled
        later.now += 300
        later.elapsed = .milliseconds(1_530)
        let partialReport = ReportBuilder.build(snapshot: partial, previous: operatorReport.spec, previousStatus: operatorReport.status, context: later)
        out.append(("v2.7.0-partial-failure", FluxReportObject(namespace: "flux-system", spec: partialReport.spec, status: partialReport.status)))

        // No Flux at all.
        let empty = ReportSnapshot(namespace: "flux-system", serverVersion: .success(ServerVersionInfo(gitVersion: "v1.33.1", platform: "linux/arm64")))
        let emptyReport = ReportBuilder.build(snapshot: empty, context: ctx)
        out.append(("not-installed", FluxReportObject(namespace: "flux-system", spec: emptyReport.spec, status: emptyReport.status)))
        return out
    }

    @Test func goldenReports() throws {
        let update = getenv("UPDATE_GOLDEN") != nil
        for (name, report) in try Self.reports() {
            let yaml = try report.renderYAML()
            let path = "\(Fixtures.goldenDir)/\(name).yaml"
            if update {
                try Fixtures.writeFile(path, yaml)
                continue
            }
            let expected = try Fixtures.readFile(path)
            #expect(yaml == expected, "report \(name) differs from \(path); run with UPDATE_GOLDEN=1 and review the diff")
        }
    }
}
