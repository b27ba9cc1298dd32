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

    /// The event API group: metadata keys under it pass notification-controller's filter whatever the involved object.
    static let eventGroup = "event.toolkit.fluxcd.io"

    /// Flux's event format (fluxcd/pkg `apis/event/v1beta1` Event), as notification-controller's `/`
    /// endpoint expects. An event about one Flux object (`record.related`) is that object's, so an
    /// Alert on it selects it; the rest are the FluxReport's. Metadata, which notification-controller
    /// keeps only under the event group or the involved object's group: `event.toolkit.fluxcd.io/report`
    /// names the report, and each annotation goes under the involved object's group, as Flux's own
    /// recorder does (`<group>/revision` is the revision notification-controller's rate limit keys on).
    static func payload(_ record: EventRecorder.Record, reportingController: String, reportingInstance: String) -> JSONValue {
        let involved = record.related ?? record.object
        let group = involved.apiVersion.contains("/") ? String(involved.apiVersion.prefix { $0 != "/" }) : ""
        var metadata: [String: JSONValue] = [
            "\(eventGroup)/report": .string("\(record.object.kind)/\(record.object.namespace)/\(record.object.name)"),
        ]
        for (key, value) in record.annotations {
            metadata["\(group.isEmpty ? eventGroup : group)/\(key)"] = .string(value)
        }
        return [
            "involvedObject": involved.json,
            "severity": .string(record.type == .warning ? "error" : "info"),
            "timestamp": .string(Timestamp.rfc3339(record.time)),
            "message": .string(record.message), "reason": .string(record.reason),
            "reportingController": .string(reportingController),
            "reportingInstance": .string(reportingInstance),
            "metadata": .object(metadata),
        ]
    }
}
