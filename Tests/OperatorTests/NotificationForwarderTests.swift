import ControllerRuntime
import Foundation
import KubeClient
import KubeCore
import Logging
import TestSupport
import Testing
@testable import FluxReportOperator

/// `--events-addr`: the report's events in Flux's event format, POSTed through the project's own
/// HTTP client to a real HTTP receiver.
@Suite struct NotificationForwarderTests {
    static let report = ObjectReference(apiVersion: "fluxcd.controlplane.io/v1", kind: "FluxReport",
                                        namespace: "flux-system", name: "flux", uid: "u-1")
    static let record = EventRecorder.Record(object: report, type: .warning, reason: "SyncFailed", message: "boom \"<x>\"",
                                             action: "SyncFailed", time: Date(timeIntervalSince1970: 1_700_000_000))

    @Test func payloadIsFluxsEventFormat() {
        let payload = NotificationForwarder.payload(Self.record, reportingController: "flux-report-operator", reportingInstance: "pod-1")
        #expect(payload["severity"].string == "error")
        #expect(payload[path: "involvedObject", "kind"].string == "FluxReport")
        #expect(payload[path: "involvedObject", "uid"].string == "u-1")
        #expect(payload["reportingController"].string == "flux-report-operator")
        #expect(payload["reportingInstance"].string == "pod-1")
        #expect(payload["reason"].string == "SyncFailed")
        #expect(payload["message"].string == "boom \"<x>\"")
        #expect(payload["timestamp"].string == "2023-11-14T22:13:20Z")
        #expect(payload["metadata"] == ["event.toolkit.fluxcd.io/report": "FluxReport/flux-system/flux"])
        #expect(Set(payload.object?.keys.map { $0 } ?? []) == ["involvedObject", "severity", "timestamp", "message", "reason", "metadata",
                                                                "reportingController", "reportingInstance"])
    }

    /// An event about one Flux object is that object's (a standard Alert on it selects it), with metadata
    /// under the keys notification-controller keeps: the object's group (revision, as Flux's controllers
    /// send it and as the rate limit reads it) and the event group (the report).
    @Test func eventAboutAFluxObjectIsThatObjects() {
        var record = Self.record
        record.related = ObjectReference(apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization",
                                         namespace: "flux-system", name: "flux-system", uid: "u-ks")
        record.annotations = ["revision": "main@sha1:2"]
        let payload = NotificationForwarder.payload(record, reportingController: "flux-report-operator", reportingInstance: "pod-1")
        #expect(payload["involvedObject"] == ["apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                                              "namespace": "flux-system", "name": "flux-system", "uid": "u-ks"])
        #expect(payload["metadata"] == ["kustomize.toolkit.fluxcd.io/revision": "main@sha1:2",
                                        "event.toolkit.fluxcd.io/report": "FluxReport/flux-system/flux"])
        #expect(payload["reportingController"].string == "flux-report-operator")
        #expect(payload["reason"].string == "SyncFailed" && payload["severity"].string == "error")
        // No uid known: none sent (corev1.ObjectReference omits it).
        record.related?.uid = ""
        #expect(NotificationForwarder.payload(record, reportingController: "c", reportingInstance: "i")[path: "involvedObject", "uid"] == nil)
    }

    /// A receiver in Python's http.server that writes each request's path, content type and body to files.
    static let receiver = """
    import http.server, sys, os, threading
    d = sys.argv[1]
    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
            status = 500 if self.path == '/fail' else 202
            self.send_response(status); self.end_headers()
            n = len([x for x in os.listdir(d) if x.startswith('req-')])
            with open(os.path.join(d, 'tmp'), 'wb') as f:
                f.write((self.path + '\\n' + self.headers.get('Content-Type', '') + '\\n').encode() + body)
            os.rename(os.path.join(d, 'tmp'), os.path.join(d, 'req-%d' % n))
        def log_message(self, *a): pass
    # Exit when the test closes our stdin (or dies).
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    s = http.server.HTTPServer(('127.0.0.1', 0), H)
    with open(os.path.join(d, '.port.tmp'), 'w') as f: f.write(str(s.server_port))
    os.rename(os.path.join(d, '.port.tmp'), os.path.join(d, '.port'))
    s.serve_forever()
    """

    @Test func forwardsToARealReceiverAndLogsRefusals() async throws {
        let directory = NSTemporaryDirectory() + "forwarder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await ChildProcess.with("python3", ["-c", Self.receiver, directory], stdin: .lifeline) { _ in
            let port = try await eventually("the receiver's port", timeout: .seconds(20)) {
                (try? String(contentsOfFile: "\(directory)/.port", encoding: .utf8)).flatMap { Int($0) }
            }
            func requests() -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("req-") }.sorted()
            }

            let forwarder = NotificationForwarder(sender: WebhookSender(url: "http://127.0.0.1:\(port)/", timeout: .seconds(10)),
                                                  reportingController: "flux-report-operator", reportingInstance: "pod-1",
                                                  logger: Logger(label: "test"))
            await forwarder.receive(Self.record)
            try await waitUntil("the receiver got the event", timeout: .seconds(10)) { requests().count == 1 }
            let text = try String(contentsOfFile: "\(directory)/\(requests()[0])", encoding: .utf8)
            let lines = text.split(separator: "\n", maxSplits: 2).map(String.init)
            #expect(lines.count == 3 && lines[0] == "/" && lines[1] == "application/json", "\(text)")
            let body = try JSONValue.parse(lines.count == 3 ? lines[2] : "")
            #expect(body == NotificationForwarder.payload(Self.record, reportingController: "flux-report-operator", reportingInstance: "pod-1"))

            // A receiver answering 500, or nothing listening: the sender says so, the forwarder does not throw or hang.
            let failing = WebhookSender(url: "http://127.0.0.1:\(port)/fail", timeout: .seconds(10))
            #expect(try await failing.post(Array("{}".utf8)) == 500)
            let refused = WebhookSender(url: "http://127.0.0.1:1/", timeout: .seconds(5))
            await #expect(throws: KubeAPIError.self) { _ = try await refused.post(Array("{}".utf8)) }
            await NotificationForwarder(sender: refused, reportingController: "c", reportingInstance: "i", logger: Logger(label: "test"))
                .receive(Self.record)
        }
    }
}
