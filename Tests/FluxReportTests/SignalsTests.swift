import FluxReport
import Foundation
import KubeCore
import TestSupport
import Testing

/// The signals of docs/monitoring.md, Signals: pure functions of an object, what the operator
/// observed of it, a clock and the stale factor.
@Suite struct SignalsTests {
    static let t0: Int64 = 1_764_000_000  // 2025-11-24T16:00:00Z

    static func time(_ seconds: Int64) -> JSONValue { .string(Timestamp.rfc3339(secondsSinceEpoch: seconds)) }

    /// A Flux object JSON with a Ready condition at `readyAt`.
    static func object(kind: String = "Kustomization", name: String = "app", namespace: String = "apps", ready: String = "True",
                       reason: String = "ReconciliationSucceeded", readyAt: Int64 = t0, spec: JSONValue = ["interval": "5m"],
                       status: JSONValue = [:], annotations: [String: String] = [:]) -> FluxObject {
        var json = fluxObject(kind: kind, apiVersion: "x.toolkit.fluxcd.io/v1", name: name, namespace: namespace, spec: spec,
                              ready: nil, status: status, annotations: annotations)
        json["status"]["conditions"] = [readyCondition(ready, reason: reason, at: readyAt)]
        return FluxObject(json: json, kind: kind)
    }

    static func readyCondition(_ status: String, reason: String, at: Int64) -> JSONValue {
        ["type": "Ready", "status": .string(status), "reason": .string(reason), "message": "m", "lastTransitionTime": time(at)]
    }

    // MARK: - Timestamps and intervals

    @Test func rfc3339ParsesWhatTheFormatterWrites() {
        var rng = TestRandom()
        let seed = rng.seed
        
        for _ in 0..<20_000 {
            let seconds = Int64(rng.next() % 253_402_300_800) - Int64(rng.next() % 62_167_219_200)
            let text = Timestamp.rfc3339(secondsSinceEpoch: seconds)
            let parsed = Timestamp.parseRFC3339(text)
            #expect(parsed == seconds, "seed \(seed) (TEST_SEED): \(seconds) → \(text) → \(String(describing: parsed))")
            if parsed != seconds { return }
        }
    }

    @Test(arguments: [
        ("2025-11-24T16:00:00Z", Optional(t0)), ("2025-11-24T16:00:00.123456789Z", t0), ("2025-11-24T17:30:00+01:30", t0),
        ("2025-11-24T14:00:00-02:00", t0), ("1970-01-01T00:00:00Z", 0),
        ("", nil), ("now", nil), ("2025-11-24", nil), ("2025-13-01T00:00:00Z", nil), ("2025-11-24T25:00:00Z", nil),
        ("2025-11-24T16:00:00", nil), ("2025-11-24T16:00:00Zjunk", nil), ("2025-11-24T16:00:00.Z", nil),
        ("+99999-11-24T16:00:00Z", nil), ("2025-11-24T16:00:00+1:00", nil), (String(repeating: "9", count: 100_000), nil),
    ] as [(String, Int64?)])
    func rfc3339ParsesOnlyTimestamps(text: String, expected: Int64?) {
        #expect(Timestamp.parseRFC3339(text) == expected)
    }

    @Test(arguments: [
        ("5m", Int64(300)), ("1h30m", 5400), ("10s", 10), ("1ms", 1), ("2562047h", SignalInputs.maxInterval),
        ("0s", 0), ("-5m", 0), ("", 0), ("five minutes", 0), ("9999999999999999999h", 0), ("1e3s", 0),
    ])
    func intervalsAreParsedSafely(text: String, seconds: Int64) {
        #expect(SignalInputs.intervalSeconds(text) == seconds)
    }

    @Test func intervalOfWrongTypeOrAbsentIsUnknown() {
        #expect(Self.object(spec: ["interval": 300]).signals.interval == 0)
        #expect(Self.object(spec: [:]).signals.interval == 0)
        let instance = Self.object(kind: "FluxInstance", spec: [:], annotations: ["fluxcd.controlplane.io/reconcileEvery": "30m"])
        #expect(instance.signals.interval == 1800)
    }

    // MARK: - Evidence

    @Test func evidenceIsTheLatestAndNamesItsSource() {
        let history: JSONValue = ["history": [["lastReconciled": Self.time(Self.t0 + 600)], ["lastReconciled": Self.time(Self.t0 + 60)]]]
        let k = Self.object(status: history)
        #expect(k.signals.lastReconcile == Self.t0 + 600)
        #expect(k.signals.evidence == .history)

        let git = Self.object(kind: "GitRepository", status: ["artifact": ["lastUpdateTime": Self.time(Self.t0 + 5)]])
        #expect(git.signals.evidence == .artifact)
        #expect(git.signals.lastReconcile == Self.t0 + 5)

        let scan = Self.object(kind: "ImageRepository", status: ["lastScanResult": ["scanTime": Self.time(Self.t0 + 9)]])
        #expect(scan.signals.evidence == .scan)

        let handled = Self.object(kind: "HelmRelease", status: ["lastHandledReconcileAt": Self.time(Self.t0 + 7)])
        #expect(handled.signals.evidence == .request)
        // flux reconcile writes RFC 3339; anything else is not a time.
        let opaque = Self.object(kind: "HelmRelease", status: ["lastHandledReconcileAt": "1732000000"])
        #expect(opaque.signals.evidence == .condition)
        #expect(opaque.signals.lastReconcile == Self.t0)

        let none = FluxObject(json: fluxObject(kind: "Kustomization", apiVersion: "v1", name: "n", ready: nil), kind: "Kustomization")
        #expect(none.signals.evidence == ReconcileEvidence.none)
        #expect(none.signals.lastReconcile == 0)
    }

    // MARK: - Staleness

    @Test func periodicEvidenceIsStaleAfterFactorTimesInterval() {
        let k = Self.object(readyAt: Self.t0 - 86400, status: ["history": [["lastReconciled": Self.time(Self.t0)]]])
        #expect(!Signals.isStale(k, now: Self.t0 + 900, factor: 3))  // exactly 3 × 5m: not yet
        #expect(Signals.isStale(k, now: Self.t0 + 901, factor: 3))
        #expect(!Signals.isStale(k, now: Self.t0 + 901, factor: 4))
        var suspended = k
        suspended.suspended = true
        #expect(!Signals.isStale(suspended, now: Self.t0 + 100_000, factor: 3))
    }

    @Test func changeOnlyEvidenceIsStaleOnlyWhenStuck() {
        // Ready True for a week with a 5m interval: reconciling quietly, not stale.
        let quiet = Self.object(readyAt: Self.t0 - 7 * 86400)
        #expect(!Signals.isStale(quiet, now: Self.t0, factor: 3))
        // Ready Unknown (in progress) for longer than 3 × 5m: stuck.
        let stuck = Self.object(ready: "Unknown", reason: "Progressing", readyAt: Self.t0 - 901)
        #expect(Signals.isStale(stuck, now: Self.t0, factor: 3))
        #expect(!Signals.isStale(Self.object(ready: "Unknown", reason: "Progressing", readyAt: Self.t0 - 60), now: Self.t0, factor: 3))
        // A spec change the controller has not picked up.
        var json = fluxObject(kind: "GitRepository", apiVersion: "v1", name: "g", spec: ["interval": "1m"], status: ["observedGeneration": 3])
        json["metadata"]["generation"] = 4
        json["status"]["conditions"] = [Self.readyCondition("True", reason: "Succeeded", at: Self.t0 - 3600)]
        let pending = FluxObject(json: json, kind: "GitRepository")
        #expect(pending.signals.generationPending)
        #expect(Signals.isStale(pending, now: Self.t0, factor: 3))
        // Never reconciled since creation (no Ready condition at all).
        var fresh = fluxObject(kind: "HelmRelease", apiVersion: "v2", name: "h", spec: ["interval": "10m"], ready: nil)
        fresh["metadata"]["creationTimestamp"] = Self.time(Self.t0 - 3601)
        #expect(Signals.isStale(FluxObject(json: fresh, kind: "HelmRelease"), now: Self.t0, factor: 6))
        #expect(!Signals.isStale(FluxObject(json: fresh, kind: "HelmRelease"), now: Self.t0, factor: 7))
    }

    @Test func hostileIntervalsAndFactorsNeverTrapOrFlag() {
        let old = Self.object(readyAt: -62_167_219_200, spec: ["interval": "2562047h"], status: ["history": [["lastReconciled": Self.time(-62_167_219_200)]]])
        #expect(!Signals.isStale(old, now: Int64.max, factor: 1000))  // k × interval bounded, age overflows: not stale, no trap
        #expect(!Signals.isStale(old, now: Int64.min, factor: 3))
        #expect(Signals.isStale(Self.object(status: ["history": [["lastReconciled": Self.time(Self.t0)]]]), now: Int64.max, factor: 1000))
        #expect(!Signals.isStale(old, now: Self.t0, factor: 0))
        #expect(!Signals.isStale(old, now: Self.t0, factor: -3))
        #expect(!Signals.isStale(old, now: Self.t0, factor: Int64.max))
        // A future timestamp is not progress in the past: never stale.
        let future = Self.object(status: ["history": [["lastReconciled": "9999-12-31T23:59:59Z"]]])
        #expect(!Signals.isStale(future, now: Self.t0, factor: 3))
    }

    /// Seeded: staleness is monotone in time (once stale, stays stale until new evidence) and
    /// matches its definition for periodic evidence.
    @Test func stalenessIsMonotoneInTime() {
        var rng = TestRandom()
        let seed = rng.seed
        
        for _ in 0..<2_000 {
            let interval = Int64(rng.next() % 7200) + 1
            let factor = Int64(rng.next() % 10) + 1
            let last = Self.t0 - Int64(rng.next() % 100_000)
            let object = Self.object(readyAt: last - Int64(rng.next() % 1000), spec: ["interval": .string("\(interval)s")],
                                     status: ["history": [["lastReconciled": Self.time(last)]]])
            var wasStale = false
            for step in 0..<20 {
                let now = last + Int64(step) * interval
                let stale = Signals.isStale(object, now: now, factor: factor)
                #expect(stale == (now - last > factor * interval), "seed \(seed) (TEST_SEED)")
                #expect(!wasStale || stale, "seed \(seed) (TEST_SEED): stale then fresh without evidence")
                wasStale = stale
            }
        }
    }

    // MARK: - Suspension

    @Test func suspensionFromAnnotationsOrFirstObserved() {
        var json = fluxObject(kind: "Kustomization", apiVersion: "v1", name: "k", spec: ["interval": "5m", "suspend": true],
                              annotations: ["fluxcd.controlplane.io/suspendedBy": "alice", "metadata.weave.works/suspended-by": "bob",
                                            "fluxcd.controlplane.io/suspendedReason": "incident 42"])
        var object = FluxObject(json: json, kind: "Kustomization")
        var history = SignalHistory()
        history.observe(object, now: Self.t0, first: true)
        history.observe(object, now: Self.t0 + 500, first: false)
        var signals = Signals.evaluate(object, history: history, now: Self.t0 + 1000, factor: 3)
        #expect(signals.state == .suspended)
        #expect(signals.suspendedBy == "alice")
        #expect(signals.reason == "incident 42")
        #expect(signals.since == Self.t0)
        #expect(signals.sinceSource == "observed")

        json["metadata"]["annotations"] = ["metadata.weave.works/suspended-by": "bob", "fluxcd.controlplane.io/suspendedAt": Self.time(Self.t0 - 86400)]
        object = FluxObject(json: json, kind: "Kustomization")
        signals = Signals.evaluate(object, history: history, now: Self.t0 + 1000, factor: 3)
        #expect(signals.suspendedBy == "bob")
        #expect(signals.since == Self.t0 - 86400)
        #expect(signals.sinceSource == "annotation")

        var resumed = object
        resumed.suspended = false
        history.observe(resumed, now: Self.t0 + 2000, first: false)
        #expect(history.suspendedSince == 0)
        #expect(Signals.evaluate(resumed, history: history, now: Self.t0 + 2000, factor: 3).state == nil)
    }

    // MARK: - Drift

    @Test func driftedConditionOnHelmReleasesOnly() {
        let drifted: JSONValue = ["conditions": [
            ["type": "Ready", "status": "True", "reason": "UpgradeSucceeded", "message": "ok", "lastTransitionTime": Self.time(Self.t0)],
            ["type": "Drifted", "status": "True", "reason": "DriftDetected", "message": "d", "lastTransitionTime": Self.time(Self.t0 + 30)],
        ]]
        var json = fluxObject(kind: "HelmRelease", apiVersion: "helm.toolkit.fluxcd.io/v2", name: "h", spec: ["interval": "5m"])
        json["status"] = drifted
        let release = FluxObject(json: json, kind: "HelmRelease")
        #expect(release.signals.drifted)
        let signals = Signals.evaluate(release, history: nil, now: Self.t0 + 60, factor: 3)
        #expect(signals.state == .drifted)
        #expect(signals.since == Self.t0 + 30)
        #expect(!FluxObject(json: json, kind: "Kustomization").signals.drifted)
        // Older helm-controllers write no Drifted condition: not drifted, by construction.
        #expect(!Self.object(kind: "HelmRelease").signals.drifted)
    }

    // MARK: - Failure history

    @Test func failingSinceTransitionsAndLastReason() {
        let healthy = Self.object(readyAt: Self.t0)
        let failing = Self.object(ready: "False", reason: "BuildFailed", readyAt: Self.t0 + 100)
        let failingOther = Self.object(ready: "False", reason: "HealthCheckFailed", readyAt: Self.t0 + 300)
        let progressing = Self.object(ready: "Unknown", reason: "Progressing", readyAt: Self.t0 + 400)
        var history = SignalHistory()
        history.observe(healthy, now: Self.t0, first: true)
        #expect(history.isDefault)
        history.observe(progressing, now: Self.t0 + 50, first: false)
        history.observe(failing, now: Self.t0 + 120, first: false)
        #expect(history.failingSince == Self.t0 + 100)  // the condition's time, earlier than our observation
        #expect(history.transitions == 1)
        history.observe(failingOther, now: Self.t0 + 320, first: false)  // new reason, still failing: same since
        #expect(history.failingSince == Self.t0 + 100)
        #expect(history.lastFailureReason == "HealthCheckFailed")
        let signals = Signals.evaluate(failingOther, history: history, now: Self.t0 + 400, factor: 3)
        #expect(signals.state == .failing)
        #expect(signals.since == Self.t0 + 100)
        #expect(signals.reason == "HealthCheckFailed")
        history.observe(progressing, now: Self.t0 + 400, first: false)
        history.observe(healthy, now: Self.t0 + 500, first: false)
        #expect(history.transitions == 2)
        #expect(history.failingSince == 0)
        #expect(history.lastFailureReason == "HealthCheckFailed")
        #expect(!history.isDefault)  // the flip count and last reason are kept
        // Seen failing first: where it starts, not a flip.
        var first = SignalHistory()
        first.observe(failing, now: Self.t0 + 200, first: true)
        #expect(first.transitions == 0)
    }

    // MARK: - Root cause

    static func blocked(_ name: String, dependsOn: [String], kind: String = "Kustomization", source: String? = nil) -> FluxObject {
        var spec: JSONValue = ["interval": "5m", "dependsOn": .array(dependsOn.map { ["name": .string($0)] })]
        if let source { spec["sourceRef"] = ["kind": "GitRepository", "name": .string(source)] }
        return object(kind: kind, name: name, ready: "False", reason: "DependencyNotReady", spec: spec)
    }

    static func roots(_ objects: [FluxObject], of name: String) -> [String] {
        var byKey: [String: FluxObject] = [:]
        for o in objects { byKey[DependencyRoots.key(kind: o.kind, namespace: o.namespace, name: o.name)] = o }
        var resolver = DependencyRoots { byKey[$0] }
        guard let start = objects.first(where: { $0.name == name }) else { return ["start missing"] }
        return resolver.roots(of: start)
    }

    @Test func rootsFollowDependsOnAndSources() {
        let chain = [
            Self.blocked("frontend", dependsOn: ["backend"]),
            Self.blocked("backend", dependsOn: ["database", "cache"]),
            Self.object(name: "database", ready: "False", reason: "HealthCheckFailed"),
            Self.object(name: "cache"),
        ]
        #expect(Self.roots(chain, of: "frontend") == ["Kustomization/apps/database"])
        // A missing dependency is the root; so is a source that fails.
        let source = [
            Self.blocked("app", dependsOn: ["gone"], source: "repo"),
            Self.object(kind: "GitRepository", name: "repo", ready: "False", reason: "GitOperationFailed"),
        ]
        #expect(Self.roots(source, of: "app") == ["GitRepository/apps/repo", "Kustomization/apps/gone"])
        // A suspended dependency that is not Ready blocks too.
        var paused = Self.object(name: "base", ready: "Unknown", reason: "Progressing")
        paused.suspended = true
        #expect(Self.roots([Self.blocked("top", dependsOn: ["base"]), paused], of: "top") == ["Kustomization/apps/base"])
    }

    @Test func cyclesAndLongChainsEnd() {
        let cycle = [Self.blocked("a", dependsOn: ["b"]), Self.blocked("b", dependsOn: ["c"]), Self.blocked("c", dependsOn: ["a"])]
        #expect(Self.roots(cycle, of: "a").isEmpty)
        #expect(Self.roots([Self.blocked("self", dependsOn: ["self"])], of: "self").isEmpty)
        let n = 5_000
        var long = (0..<n).map { Self.blocked("k\($0)", dependsOn: ["k\($0 + 1)"]) }
        long.append(Self.object(name: "k\(n)", ready: "False", reason: "BuildFailed"))
        // Beyond maxVisits the search stops (no root named) rather than walking forever.
        #expect(Self.roots(long, of: "k0").isEmpty)
        #expect(Self.roots(long, of: "k\(n - 10)") == ["Kustomization/apps/k\(n)"])
    }

    /// Seeded random dependency graphs (cycles included): every search ends, and every root named
    /// is failing, suspended and not Ready, or missing.
    @Test func randomGraphsTerminateWithTrueRoots() {
        var rng = TestRandom()
        let seed = rng.seed
        
        for _ in 0..<200 {
            let count = Int(rng.next() % 40) + 1
            var objects: [FluxObject] = []
            for i in 0..<count {
                switch rng.next() % 3 {
                case 0:
                    let deps = (0..<Int(rng.next() % 4)).map { _ in "n\(rng.next() % UInt64(count + 3))" }  // some missing
                    objects.append(Self.blocked("n\(i)", dependsOn: deps))
                case 1: objects.append(Self.object(name: "n\(i)", ready: "False", reason: "BuildFailed"))
                default: objects.append(Self.object(name: "n\(i)"))
                }
            }
            var byKey: [String: FluxObject] = [:]
            for o in objects { byKey[DependencyRoots.key(kind: o.kind, namespace: o.namespace, name: o.name)] = o }
            var resolver = DependencyRoots { byKey[$0] }
            for object in objects where object.reason == "DependencyNotReady" {
                for root in resolver.roots(of: object) {
                    if let found = byKey[root] {
                        #expect(found.isFailing, "seed \(seed) (TEST_SEED): \(root) is not a root")
                    }
                }
            }
        }
    }

    @Test func hostileSignalInputsStayBounded() {
        let huge = String(repeating: "x", count: 1 << 20)
        let spec: JSONValue = ["interval": .string(huge), "suspend": true,
                               "dependsOn": .array((0..<10_000).map { ["name": .string("d\($0)\(huge.prefix(2000))")] })]
        var json = fluxObject(kind: "Kustomization", apiVersion: "v1", name: "k", spec: spec, ready: "False", reason: "DependencyNotReady",
                              status: ["history": .array((0..<100_000).map { _ in ["lastReconciled": .string(huge.prefix(100).description)] })],
                              annotations: ["fluxcd.controlplane.io/suspendedBy": huge, "fluxcd.controlplane.io/suspendedReason": huge,
                                            "fluxcd.controlplane.io/suspendedAt": huge])
        json["metadata"]["generation"] = .string("9")
        let object = FluxObject(json: json, kind: "Kustomization")
        #expect(object.signals.interval == 0)
        #expect(object.signals.lastReconcile == Timestamp.parseRFC3339("2025-01-01T00:00:00Z"))  // the garbage history is ignored
        #expect(object.signals.evidence == .condition)
        #expect(object.signals.suspendedBy.utf8.count <= 256)
        #expect(object.signals.suspendReason.utf8.count <= 256)
        #expect(object.signals.suspendedAt == 0)
        #expect(object.dependencies.count == SignalInputs.maxDependencies)
        #expect(object.dependencies.allSatisfy { $0.name.utf8.count <= FluxObject.maxFieldBytes })
        #expect(!object.signals.generationPending)
        #expect(object.estimatedHeapBytes <= HostileObjectTests.bound(labels: 0) + 2 * (256 + 32) + 32
                + SignalInputs.maxDependencies * (16 + FluxObject.maxFieldBytes + 32))
    }

    // MARK: - The report's condition

    @Test func reportCarriesTheStaleCountInACondition() {
        let stale = Self.object(name: "old", readyAt: Self.t0 - 7200, status: ["history": [["lastReconciled": Self.time(Self.t0 - 3600)]]])
        let fresh = Self.object(name: "new", readyAt: Self.t0 - 7200, status: ["history": [["lastReconciled": Self.time(Self.t0)]]])
        var snapshot = ReportSnapshot(namespace: "flux-system")
        snapshot.signals = SignalSummary(objects: [stale, fresh], now: Self.t0, factor: 3)
        let context = ReportContext(operatorVersion: "v", operatorPlatform: "linux/amd64", now: Self.t0)
        let first = ReportBuilder.build(snapshot: snapshot, context: context)
        let condition = first.status.conditions.first { $0.type == "ReconcilersStale" }
        #expect(condition?.status == "True")
        #expect(condition?.message.contains("1 of 2") == true)
        #expect(condition?.message.contains("Kustomization apps/old") == true)
        #expect(first.status.conditions.first?.type == "Ready")
        // Same status later: the transition time stays; no stale objects: False.
        let later = ReportBuilder.build(snapshot: snapshot, previousStatus: first.status,
                                        context: ReportContext(operatorVersion: "v", operatorPlatform: "p", now: Self.t0 + 60))
        #expect(later.status.conditions.first { $0.type == "ReconcilersStale" }?.lastTransitionTime == condition?.lastTransitionTime)
        snapshot.signals = SignalSummary(objects: [fresh], now: Self.t0, factor: 3)
        let recovered = ReportBuilder.build(snapshot: snapshot, previousStatus: later.status, context: context)
        #expect(recovered.status.conditions.filter { $0.type == "ReconcilersStale" }.map(\.status) == ["False"])
        // Without signal counts (a kind unreadable), the condition is left as it was.
        snapshot.signals = nil
        let kept = ReportBuilder.build(snapshot: snapshot, previousStatus: first.status, context: context)
        #expect(kept.status.conditions.first { $0.type == "ReconcilersStale" } == condition)
        #expect(first.spec == ReportBuilder.build(snapshot: ReportSnapshot(namespace: "flux-system"), context: context).spec)
    }
}
