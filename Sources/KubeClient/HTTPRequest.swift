import KubeCore

/// TLS settings of one API server connection.
public struct TLSConfiguration: Sendable, Hashable {
    /// PEM bundle of trusted CAs; nil uses the system store.
    public var caData: [UInt8]?
    public var insecureSkipVerify: Bool
    /// Name to verify the server certificate against (and send as SNI) instead of the URL's host.
    public var serverName: String?
    /// Static client certificate and key (PEM), e.g. from a kubeconfig user.
    public var clientCertificate: [UInt8]?
    public var clientKey: [UInt8]?

    public init(caData: [UInt8]? = nil, insecureSkipVerify: Bool = false, serverName: String? = nil,
                clientCertificate: [UInt8]? = nil, clientKey: [UInt8]? = nil) {
        self.caData = caData
        self.insecureSkipVerify = insecureSkipVerify
        self.serverName = serverName
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }
}

/// Per-request credentials resolved by an `Authenticator`.
struct Credentials: Sendable, Hashable {
    var authorization: String?
    var clientCertificate: [UInt8]?
    var clientKey: [UInt8]?
}

/// Everything the transport needs for one HTTP exchange.
struct HTTPRequest: Sendable {
    var method: String
    var url: String
    var headers: [String]
    var body: [UInt8]?
    var tls: TLSConfiguration
    var credentials: Credentials
    var connectTimeout: Duration
    /// Whole-transfer timeout; nil for open-ended watches.
    var timeout: Duration?
    /// Abort when fewer than 1 byte/s arrives for this long (watches).
    var lowSpeedTime: Duration?
    /// `CURLOPT_CONNECT_TO` entry, used for `tls-server-name`.
    var connectTo: String?
}
