import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KubeCore

/// Sends each recorded event somewhere else too (Flux's notification-controller with `--events-addr`).
public protocol EventForwarder: Sendable {
    func forward(_ event: JSONValue) async throws
}

public struct EventForwardingError: Error, CustomStringConvertible {
    public var status: Int
    public var description: String { "event receiver answered HTTP \(status)" }
}

/// POSTs Flux's event format as JSON with a timeout, over URLSession.
public struct NotificationControllerForwarder: EventForwarder {
    public let url: URL
    public let timeout: Duration

    public init(url: URL, timeout: Duration = .seconds(15)) {
        self.url = url
        self.timeout = timeout
    }

    public func forward(_ event: JSONValue) async throws {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = timeout / .seconds(1)
        request.httpBody = Data(event.serialized())
        let (_, response) = try await URLSession.shared.data(for: request)
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            throw EventForwardingError(status: http.statusCode)
        }
    }
}
