import FluxReport
import KubeCore
import Testing

@Suite struct ReportEventsTests {
    typealias Report = (spec: FluxReportSpec, status: FluxReportStatus)

    static func report(
        version: String = "v2.7.0", components: [FluxComponentStatus] = [component("source-controller", ready: true)],
        failing: Int = 0, sync: FluxSyncStatus? = FluxSyncStatus(id: "kustomization/flux-system", ready: true, status: "Applied revision: main@sha1:1"),
        ready: Bool = true
    ) -> Report {
        let spec = FluxReportSpec(
            distribution: FluxDistributionStatus(entitlement: "Unknown", status: "Installed", version: version),
            components: components,
            reconcilers: [FluxReconcilerStatus(apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease",
                                               stats: FluxReconcilerStats(running: 4, failing: failing, suspended: 0))],
            sync: sync)
        let condition = ready
            ? Condition(type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: "Reporting finished in 20ms")
            : Condition(type: "Ready", status: "False", reason: "ReconciliationFailed", message: "Reporting incomplete: components: forbidden")
        return (spec, FluxReportStatus(conditions: [condition]))
    }

    static func component(_ name: String, ready: Bool) -> FluxComponentStatus {
        FluxComponentStatus(name: name, ready: ready, status: ready ? "Current Deployment is available. Replicas: 1" : "InProgress Ready: 0/1",
                            image: "fluxcd/\(name):v1.7.0")
    }

    func reasons(_ old: Report?, _ new: Report) -> [String] {
        ReportEvents.transitions(from: old, to: new).map(\.reason)
    }

    @Test func unchangedReportEmitsNothing() {
        let r = Self.report()
        #expect(reasons(r, r).isEmpty)
        let bad = Self.report(components: [Self.component("source-controller", ready: false)], failing: 2,
                              sync: FluxSyncStatus(id: "kustomization/flux-system", ready: false, status: "failed"), ready: false)
        #expect(reasons(bad, bad).isEmpty)  // still bad: no repeat
    }

    @Test func initialized() {
        let events = ReportEvents.transitions(from: nil, to: Self.report())
        #expect(events == [ReportEvent(type: .normal, reason: "ReportInitialized", message: "FluxReport created; Flux distribution v2.7.0 (Installed)")])
        let bad = Self.report(components: [Self.component("helm-controller", ready: false)], failing: 1,
                              sync: FluxSyncStatus(id: "kustomization/flux-system", ready: false, status: "failed"), ready: false)
        #expect(reasons(nil, bad) == ["ReportInitialized", "ReportFailed", "ComponentNotReady", "ReconcilersFailing", "SyncFailed"])
    }

    @Test func sync() {
        let good = Self.report()
        let bad = Self.report(sync: FluxSyncStatus(id: "kustomization/flux-system", ready: false, status: "authentication required"))
        let failed = ReportEvents.transitions(from: good, to: bad)
        #expect(failed == [ReportEvent(type: .warning, reason: "SyncFailed", message: "Cluster sync kustomization/flux-system failed: authentication required")])
        #expect(reasons(bad, good) == ["SyncRecovered"])
        #expect(reasons(good, Self.report(sync: nil)).isEmpty)
    }

    @Test func components() {
        let good = Self.report(components: [Self.component("helm-controller", ready: true), Self.component("source-controller", ready: true)])
        let bad = Self.report(components: [Self.component("helm-controller", ready: false), Self.component("source-controller", ready: true)])
        let events = ReportEvents.transitions(from: good, to: bad)
        #expect(events.map(\.type) == [.warning])
        #expect(events.first?.message == "Component helm-controller is not ready: InProgress Ready: 0/1")
        #expect(reasons(bad, good) == ["ComponentReady"])
        // A new controller that is not ready yet is announced; a new ready one is not.
        let added = Self.report(components: good.spec.components + [Self.component("image-reflector-controller", ready: false)])
        #expect(reasons(good, added) == ["ComponentNotReady"])
        let addedReady = Self.report(components: good.spec.components + [Self.component("image-reflector-controller", ready: true)])
        #expect(reasons(good, addedReady).isEmpty)
    }

    @Test func reconcilers() {
        let good = Self.report()
        let failing = Self.report(failing: 2)
        let events = ReportEvents.transitions(from: good, to: failing)
        #expect(events == [ReportEvent(type: .warning, reason: "ReconcilersFailing", message: "2 HelmRelease resources are failing (helm.toolkit.fluxcd.io/v2)")])
        #expect(reasons(failing, Self.report(failing: 3)).isEmpty)  // still failing
        #expect(reasons(failing, good) == ["ReconcilersRecovered"])
    }

    @Test func reconcilersFailingNamesTheLongestFailing() {
        func release(_ name: String, _ reason: String, since: String?, ready: String = "False") -> FluxObject {
            var json = fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: name, namespace: "apps",
                                  ready: nil)
            var condition: JSONValue = ["type": "Ready", "status": .string(ready), "reason": .string(reason), "message": "m"]
            if let since { condition["lastTransitionTime"] = .string(since) }
            json["status"]["conditions"] = [condition]
            return FluxObject(json: json, kind: "HelmRelease")
        }
        let objects = [
            release("new", "UpgradeFailed", since: "2025-03-01T00:00:00Z"), release("old", "InstallFailed", since: "2025-01-01T00:00:00Z"),
            release("mid", "TestFailed", since: "2025-02-01T00:00:00Z"), release("unknown", "ArtifactFailed", since: nil),
            release("fine", "InstallSucceeded", since: "2024-01-01T00:00:00Z", ready: "True"),
        ]
        let names = FailingExamples.of(objects)
        #expect(names.map(\.text) == ["apps/old (InstallFailed)", "apps/mid (TestFailed)", "apps/new (UpgradeFailed)"])
        #expect(FailingExamples.of(objects, limit: 0).isEmpty)
        // Many failing: still the oldest three, with bounded work.
        let many = (0..<1_000).map { release("r\($0)", "X", since: Timestamp.rfc3339(secondsSinceEpoch: 2_000_000_000 - Int64($0))) }
        #expect(FailingExamples.of(many).map(\.text) == ["apps/r999 (X)", "apps/r998 (X)", "apps/r997 (X)"])

        let events = ReportEvents.transitions(from: Self.report(), to: Self.report(failing: 4),
                                              failing: ["HelmRelease.helm.toolkit.fluxcd.io": names])
        #expect(events.map(\.message) == ["4 HelmRelease resources are failing (helm.toolkit.fluxcd.io/v2): "
            + "apps/old (InstallFailed), apps/mid (TestFailed), apps/new (UpgradeFailed) and 1 more"])
        // Several failing: about the kind, not one object.
        #expect(events.map(\.subject) == [nil])
    }

    /// Only a transition of one object is that object's event (forwarded as its, docs/monitoring.md, Routing).
    @Test func objectTransitionsNameTheirObject() {
        var json = fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "podinfo", namespace: "apps", ready: nil)
        json["metadata"]["uid"] = "u-podinfo"
        json["status"]["lastAttemptedRevision"] = "6.5.0"
        json["status"]["conditions"] = [["type": "Ready", "status": "False", "reason": "InstallFailed", "message": "m"]]
        let example = FailingExamples.of([FluxObject(json: json, kind: "HelmRelease")])
        let podinfo = EventSubject(apiVersion: "helm.toolkit.fluxcd.io/v2", kind: "HelmRelease", namespace: "apps", name: "podinfo",
                                   uid: "u-podinfo", revision: "6.5.0")
        #expect(example.map(\.subject) == [podinfo])
        let one = ReportEvents.transitions(from: Self.report(), to: Self.report(failing: 1), failing: ["HelmRelease.helm.toolkit.fluxcd.io": example])
        #expect(one == [ReportEvent(type: .warning, reason: "ReconcilersFailing",
                                    message: "1 HelmRelease resource is failing (helm.toolkit.fluxcd.io/v2): apps/podinfo (InstallFailed)",
                                    subject: podinfo)])
        // One failing but none named (not read): the kind's event. Recovery: the kind's (the object may be gone).
        #expect(ReportEvents.transitions(from: Self.report(), to: Self.report(failing: 1)).map(\.subject) == [nil])
        #expect(ReportEvents.transitions(from: Self.report(failing: 1), to: Self.report(), failing: ["HelmRelease.helm.toolkit.fluxcd.io": example])
            .map(\.subject) == [nil])

        // The sync events are the sync Kustomization's, when it is the one the report's sync names.
        let ks = EventSubject(apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", namespace: "flux-system",
                              name: "flux-system", uid: "u-ks", revision: "main@sha1:2")
        let good = Self.report()
        let bad = Self.report(sync: FluxSyncStatus(id: "kustomization/flux-system", ready: false, status: "build failed"))
        #expect(ReportEvents.transitions(from: good, to: bad, syncObject: ks).map(\.subject) == [ks])
        #expect(ReportEvents.transitions(from: bad, to: good, syncObject: ks).map(\.subject) == [ks])
        var other = ks
        other.name = "apps"
        #expect(ReportEvents.transitions(from: good, to: bad, syncObject: other).map(\.subject) == [nil])
        // Report-level events stay the report's.
        #expect(ReportEvents.transitions(from: nil, to: bad, syncObject: ks).map(\.subject) == [nil, ks])
    }

    @Test func distribution() {
        let events = ReportEvents.transitions(from: Self.report(version: "v2.3.0"), to: Self.report(version: "v2.7.0"))
        #expect(events == [ReportEvent(type: .normal, reason: "DistributionChanged", message: "Flux distribution changed from v2.3.0 (Installed) to v2.7.0 (Installed)")])
    }

    @Test func reportHealth() {
        let good = Self.report()
        let bad = Self.report(ready: false)
        let failed = ReportEvents.transitions(from: good, to: bad)
        #expect(failed.map(\.reason) == ["ReportFailed"])
        #expect(failed.first?.type == .warning)
        #expect(failed.first?.message.contains("forbidden") == true)
        #expect(reasons(bad, good) == ["ReportRecovered"])
    }
}
