import Foundation
import KubeClient
import KubeCore
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
        #expect(await ControllerTests.waitUntil { api.objects(.events).count == 10 })
        run.cancel()
        await run.value
    }

    final class CapturingForwarder: EventForwarder {
        let payloads = LockedState<[JSONValue]>([])
        func forward(_ event: JSONValue) async throws { payloads.withLock { $0.append(event) } }
    }

    @Test func forwardsFluxEventFormat() async throws {
        let api = FakeKubeAPI()
        let forwarder = CapturingForwarder()
        let recorder = EventRecorder(api: api, options: Self.options, forwarder: forwarder)
        await recorder.publish(Self.report, type: .warning, reason: "SyncFailed", message: "boom")
        #expect(await ControllerTests.waitUntil { forwarder.payloads.withLock { $0.count } == 1 })
        let payload = try #require(forwarder.payloads.withLock { $0.first })
        #expect(payload["severity"].string == "error")
        #expect(payload[path: "involvedObject", "kind"].string == "FluxReport")
        #expect(payload[path: "involvedObject", "uid"].string == "u-1")
        #expect(payload["reportingController"].string == "flux-report-operator")
        #expect(payload["reportingInstance"].string == "pod-1")
        #expect(payload["reason"].string == "SyncFailed")
        #expect(payload["timestamp"].string != nil)
        #expect(payload["metadata"].object != nil)
    }
}

extension EventRecorderTests {
    @Test func forwarderReportsAnUnreachableReceiverAsAnError() async throws {
        let forwarder = NotificationControllerForwarder(url: try #require(URL(string: "http://127.0.0.1:1/")), timeout: .seconds(2))
        await #expect(throws: (any Error).self) { try await forwarder.forward(["message": "x"]) }
    }
}
