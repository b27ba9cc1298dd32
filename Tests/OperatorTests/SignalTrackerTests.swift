import ControllerRuntime
import FluxReport
import KubeCore
import Testing
@testable import FluxReportOperator

/// The operator's per-object observations: an injected clock, entries only for objects that differ
/// from a healthy one, gone with the object; the per-kind flip counter only grows.
@Suite struct SignalTrackerTests {
    final class Clock: Sendable {
        let value = LockedState<Int64>(1_000)
        func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }
    }

    static func object(_ name: String, ready: ReadyStatus, suspended: Bool = false) -> FluxObject {
        FluxObject(kind: "Kustomization", namespace: "apps", name: name, uid: "uid-\(name)", ready: ready,
                   reason: ready == .false ? "BuildFailed" : "Succeeded", suspended: suspended)
    }

    @Test func observesWithTheInjectedClockAndStaysBounded() {
        let clock = Clock()
        let tracker = SignalTracker(now: { clock.value.withLock { $0 } })
        for i in 0..<1_000 { tracker.objectEvents([.added(CachedFluxObject(Self.object("ok\(i)", ready: .true)))]) }
        #expect(tracker.snapshot.entries.isEmpty, "healthy objects need no entry")

        let paused = Self.object("paused", ready: .true, suspended: true)
        tracker.objectEvents([.added(CachedFluxObject(paused))])
        clock.advance(500)
        tracker.objectEvents([.updated(old: CachedFluxObject(paused), new: CachedFluxObject(paused))])
        #expect(tracker.snapshot.entries[SignalTracker.Key(uid: "uid-paused")]?.suspendedSince == 1_000)

        let healthy = Self.object("flappy", ready: .true)
        let failing = Self.object("flappy", ready: .false)
        tracker.objectEvents([.added(CachedFluxObject(healthy))])
        for _ in 0..<3 {
            clock.advance(60)
            tracker.objectEvents([.updated(old: CachedFluxObject(healthy), new: CachedFluxObject(failing))])
            clock.advance(60)
            tracker.objectEvents([.updated(old: CachedFluxObject(failing), new: CachedFluxObject(healthy))])
        }
        #expect(tracker.snapshot.entries[SignalTracker.Key(uid: "uid-flappy")]?.transitions == 6)
        #expect(tracker.snapshot.entries[SignalTracker.Key(uid: "uid-flappy")]?.lastFailureReason == "BuildFailed")
        #expect(tracker.snapshot.transitionsByKind["Kustomization"] == 6)

        tracker.objectEvents([.deleted(CachedFluxObject(healthy))])
        tracker.objectEvents([.deleted(CachedFluxObject(paused))])
        #expect(tracker.snapshot.entries.isEmpty)
        #expect(tracker.snapshot.transitionsByKind["Kustomization"] == 6, "a counter: deletions do not lower it")
    }
}
