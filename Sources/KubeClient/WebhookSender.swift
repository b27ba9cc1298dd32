import KubeCore

/// POSTs a body to an HTTP(S) endpoint outside the API server (Flux's notification-controller,
/// for one) over the same libcurl engine as the API client, so the binary has one HTTP stack.
public struct WebhookSender: Sendable {
    public let url: String
    public let timeout: Duration
    public let tls: TLSConfiguration

    public init(url: String, timeout: Duration = .seconds(15), tls: TLSConfiguration = TLSConfiguration()) {
        self.url = url
        self.timeout = timeout
        self.tls = tls
    }

    /// Sends `body` and returns the HTTP status. A connection or TLS failure, or no answer within
    /// the timeout, throws `KubeAPIError` (`.transport` or `.timeout`); any status is returned.
    public func post(_ body: [UInt8], contentType: String = "application/json") async throws -> Int {
        let request = HTTPRequest(
            method: "POST", url: url, headers: ["Content-Type: \(contentType)", "User-Agent: flux-report-operator"],
            body: body, tls: tls, credentials: Credentials(), connectTimeout: min(timeout, .seconds(10)),
            timeout: timeout, lowSpeedTime: nil, connectTo: nil)
        let result = try await CurlEngine.shared.perform(request)
        switch result.failure {
        case .cancelled: throw CancellationError()
        case .timeout(let message): throw KubeAPIError(reason: .timeout, code: 0, message: "POST \(url): \(message)")
        case .transport(let message, let cause):
            var error = KubeAPIError(reason: .transport, code: 0, message: "POST \(url): \(message)")
            error.transportCause = cause
            throw error
        case .aborted, nil: return result.status
        }
    }
}
