import ControllerRuntime
import FluxReport
import Foundation
import KubeClient
import KubeCore
import Logging

/// Forwards the report's events to Flux's notification-controller (`--events-addr`) in Flux's
/// event format, so Alerts and Providers can route them like any Flux controller's events.
struct NotificationForwarder: EventSink {
    let sender: WebhookSender
    let reportingController: String
    let reportingInstance: String
    let logger: Logger

    func receive(_ record: EventRecorder.Record) async {
        let body = Self.payload(record, reportingController: reportingController, reportingInstance: reportingInstance)
        do {
            let status = try await sender.post(body.serialized())
            if !(200..<300).contains(status) {
                logger.info("event forwarding failed", metadata: ["url": "\(sender.url)", "status": "\(status)"])
            }
        } catch {
            logger.info("event forwarding failed", metadata: ["url": "\(sender.url)", "error": "\(error)"])
        }
    }

    /// Flux's event format, as notification-controller's `/` endpoint expects.
    static func payload(_ record: EventRecorder.Record, reportingController: String, reportingInstance: String) -> JSONValue {
        [
            "involvedObject": [
                "kind": .string(record.object.kind), "namespace": .string(record.object.namespace),
                "name": .string(record.object.name), "uid": .string(record.object.uid),
                "apiVersion": .string(record.object.apiVersion),
            ],
            "severity": .string(record.type == .warning ? "error" : "info"),
            "timestamp": .string(Timestamp.rfc3339(record.time)),
            "message": .string(record.message), "reason": .string(record.reason),
            "reportingController": .string(reportingController),
            "reportingInstance": .string(reportingInstance),
            "metadata": [:],
        ]
    }
}
