import Foundation
import KubeCore
import KubeFake
import TestSupport
import Testing
@testable import ControllerRuntime

@Suite("EventRecorder")
struct EventRecorderTests {
    static let report = ObjectReference(apiVersion: "fluxcd.controlplane.io/v1", kind: "FluxReport",
                                        namespace: "flux-system", name: "flux", uid: "u-1")
    static let options = EventRecorder.Options(reportingController: "flux-report-operator", reportingInstance: "pod-1")

    @Test func repeatsBecomeOneEventWithAGrowingSeries() async throws {
        let api = FakeKubeAPI()
        let recorder = EventRecorder(api: api, options: Self.options)
        for _ in 0..<5 {
            #expect(await recorder.publish(Self.report, type: .warning, reason: "SyncFailed", message: "boom"))
        }
        #expect(await recorder.publish(Self.report, type: .normal, reason: "SyncRecovered", message: "ok"))
        let events = api.objects(.events)
        #expect(events.count == 2)
        #expect(api.createCount(.events) == 2)
        #expect(api.patchCount(.events) == 4)
        let failed = try #require(events.values.first { $0["reason"].string == "SyncFailed" })
        #expect(failed[path: "series", "count"].int == 5)
        #expect(failed["reportingController"].string == "flux-report-operator")
        #expect(failed["reportingInstance"].string == "pod-1")
        #expect(failed[path: "regarding", "name"].string == "flux")
        #expect(failed["type"].string == "Warning")
        #expect(api.objects(.coreEvents).isEmpty)
    }

    @Test func fallsBackToCoreEventsWhenTheGroupIsNotServed() async throws {
        let api = FakeKubeAPI()
        api.setServedGroups([""])
        let recorder = EventRecorder(api: api, options: Self.options)
        for _ in 0..<3 { await recorder.publish(Self.report, type: .normal, reason: "ReportInitialized", message: "created") }
        let events = api.objects(.coreEvents)
        #expect(events.count == 1)
        let event = try #require(events.values.first)
        #expect(event["count"].int == 3)
        #expect(event[path: "involvedObject", "kind"].string == "FluxReport")
        #expect(event["lastTimestamp"].string != nil)
        #expect(api.objects(.events).isEmpty)
    }

    @Test func spamFilterCapsEventsPerObject() async throws {
        let api = FakeKubeAPI()
        var options = Self.options
        options.spamBurst = 25
        let recorder = EventRecorder(api: api, options: options)
        let start = Date()
        var accepted = 0
        for i in 0..<40 {
            if await recorder.publish(Self.report, type: .normal, reason: "R\(i)", message: "m", at: start) { accepted += 1 }
        }
        #expect(accepted == 25)
        // One token comes back every 5 minutes.
        #expect(await recorder.publish(Self.report, type: .normal, reason: "later", message: "m", at: start.addingTimeInterval(301)))
        #expect(!(await recorder.publish(Self.report, type: .normal, reason: "later2", message: "m", at: start.addingTimeInterval(302))))
        // Another object has its own bucket.
        var other = Self.report
        other.name = "other"
        #expect(await recorder.publish(other, type: .normal, reason: "R", message: "m", at: start))
    }

    @Test func eventsBufferedAtShutdownAreStillWritten() async throws {
        let api = FakeKubeAPI()
        let recorder = EventRecorder(api: api, options: Self.options)
        // Recorded, then the recorder is stopped before it had a chance to write them.
        for i in 0..<5 { recorder.record(Self.report, type: .warning, reason: "Last\(i)", message: "m") }
        let run = Task { await recorder.run() }
        run.cancel()
        await run.value
        #expect(api.objects(.events).count == 5)
        // Once stopped, an event is counted as dropped rather than lost silently.
        recorder.record(Self.report, type: .warning, reason: "TooLate", message: "m")
        #expect(recorder.droppedCount == 1)
    }

    @Test func recordNeverBlocksAndRunWritesInTheBackground() async throws {
        let api = FakeKubeAPI()
        var options = Self.options
        options.bufferSize = 10
        let recorder = EventRecorder(api: api, options: options)
        for i in 0..<15 { recorder.record(Self.report, type: .normal, reason: "R\(i)", message: "m") }
        #expect(recorder.droppedCount == 5)
        let run = Task { await recorder.run() }
        try await waitUntil { api.objects(.events).count == 10 }
        run.cancel()
        await run.value
    }

    final class CapturingSink: EventSink {
        let records = LockedState<[EventRecorder.Record]>([])
        func receive(_ record: EventRecorder.Record) async { records.withLock { $0.append(record) } }
    }

    @Test func theSinkGetsEveryAcceptedEventAndNoDroppedOne() async throws {
        let api = FakeKubeAPI()
        let sink = CapturingSink()
        var options = Self.options
        options.spamBurst = 2
        let recorder = EventRecorder(api: api, options: options, sink: sink)
        var accepted = 0
        for i in 0..<4 {
            if await recorder.publish(Self.report, type: i == 0 ? .warning : .normal, reason: "R\(i)", message: "m\(i)") { accepted += 1 }
        }
        #expect(accepted == 2)
        try await waitUntil { sink.records.withLock { $0.count } == 2 }
        let records = sink.records.withLock { $0 }.sorted { $0.reason < $1.reason }
        #expect(records.map(\.reason) == ["R0", "R1"])
        #expect(records.first?.type == .warning)
        #expect(records.first?.object == Self.report)
    }
}
