import Hummingbird
import NIOCore

/// The request context of the runtime's servers: Hummingbird's basic context plus the peer's
/// address, which `BasicRequestContext` drops (per-client limits of the status page key on it).
public struct ConnectionRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection's peer; nil when the channel no longer knows it (already closed).
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
