import HummingbirdCore
import Logging
import NIOCore

/// First in every connection's pipeline: closes a connection that stalls where Hummingbird's idle
/// timer does not look. A request head must be complete within `headerReadTimeout` of the
/// connection's open or of the first byte of a later request (slowloris), and a response that
/// cannot be written for `writeTimeout` (the client stopped reading; NIO marks the channel
/// unwritable once 64 KiB wait) is dropped: closing the channel fails the pending writes, so the
/// response's task ends and its buffers are freed.
final class HTTPConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let headerReadTimeout: TimeAmount
    private let writeTimeout: TimeAmount
    private let logger: Logger
    private var awaitingHead = true
    private var headTimer: Scheduled<Void>?
    private var writeTimer: Scheduled<Void>?

    init(limits: HTTPServerLimits, logger: Logger) {
        headerReadTimeout = TimeAmount(limits.headerReadTimeout)
        writeTimeout = TimeAmount(limits.writeTimeout)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armHeadTimer(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelTimers() }

    func channelActive(context: ChannelHandlerContext) {
        armHeadTimer(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if awaitingHead { armHeadTimer(context) }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeTimer?.cancel()
            writeTimer = nil
        } else if writeTimer == nil {
            writeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: writeTimeout) { [self] in
                logger.debug("closing a connection whose response was not read", metadata: ["remote": "\(context.remoteAddress?.description ?? "")"])
                context.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// A request head was decoded: its deadline is met.
    func headReceived() {
        awaitingHead = false
        headTimer?.cancel()
        headTimer = nil
    }

    /// A request was read to its end: the next bytes start another head.
    func requestEnded() { awaitingHead = true }

    private func armHeadTimer(_ context: ChannelHandlerContext) {
        guard headTimer == nil else { return }
        headTimer = context.eventLoop.assumeIsolated().scheduleTask(in: headerReadTimeout) { [self] in
            headTimer = nil
            logger.debug("closing a connection whose request head did not arrive in time", metadata: ["remote": "\(context.remoteAddress?.description ?? "")"])
            context.close(promise: nil)
        }
    }

    private func cancelTimers() {
        headTimer?.cancel()
        headTimer = nil
        writeTimer?.cancel()
        writeTimer = nil
    }
}

/// After the HTTP decoder: tells the connection's `HTTPConnectionGuard` where requests begin and end.
final class HTTPRequestBoundaries: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPConnectionStateHandler.InboundIn
    typealias InboundOut = HTTPConnectionStateHandler.InboundIn

    private var connectionGuard: HTTPConnectionGuard?

    func handlerAdded(context: ChannelHandlerContext) {
        connectionGuard = try? context.pipeline.syncOperations.handler(type: HTTPConnectionGuard.self)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: connectionGuard?.headReceived()
        case .end: connectionGuard?.requestEnded()
        case .body: break
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension HTTPConnectionGuard: Sendable {}

@available(*, unavailable)
extension HTTPRequestBoundaries: Sendable {}
