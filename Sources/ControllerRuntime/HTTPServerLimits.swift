/// What one HTTP server lets its clients hold: connections, time and header bytes. The defaults
/// bound a server under hostile clients (slowloris, floods, readers that stop reading) to
/// `maxConnections` connections of at most one request head each, every one closed within a
/// minute unless it makes progress.
public struct HTTPServerLimits: Sendable, Hashable {
    /// Open connections at most; a connection over it is closed as soon as it is accepted.
    public var maxConnections: Int
    /// A request head must arrive within this long of a connection's open, or of the first byte of
    /// a later request on it (Go's `ReadHeaderTimeout`).
    public var headerReadTimeout: Duration
    /// A connection with no request in progress is closed after this long (Go's `IdleTimeout`).
    public var idleTimeout: Duration
    /// A response that cannot be written for this long (the reader stopped reading and the socket's
    /// buffers are full) is dropped and its connection closed.
    public var writeTimeout: Duration
    /// Graceful shutdown lets requests in progress finish for this long, then closes every connection.
    public var shutdownTimeout: Duration
    /// Largest request head (all header fields) accepted; a larger one is answered 400 and closed.
    public var maxHeaderBytes: Int

    public init(maxConnections: Int = Self.defaultMaxConnections, headerReadTimeout: Duration = .seconds(10),
                idleTimeout: Duration = .seconds(60), writeTimeout: Duration = .seconds(30),
                shutdownTimeout: Duration = .seconds(3), maxHeaderBytes: Int = 32 * 1024) {
        self.maxConnections = maxConnections
        self.headerReadTimeout = headerReadTimeout
        self.idleTimeout = idleTimeout
        self.writeTimeout = writeTimeout
        self.shutdownTimeout = shutdownTimeout
        self.maxHeaderBytes = maxHeaderBytes
    }

    public static let defaultMaxConnections = 256

    /// The health server's: probes come a few at a time, so few connections, and its own cap keeps
    /// it answerable whatever the other servers carry.
    public static let health = HTTPServerLimits(maxConnections: 64)
}
