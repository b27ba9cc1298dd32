import NIOCore

/// Who a request counts against for the status page's per-client limits: its peer's IPv4 address,
/// or the /64 of an IPv6 peer (one host can use a whole /64, so counting per address would give it
/// 2^64 budgets). IPv4-mapped IPv6 peers (a dual-stack socket) count as their IPv4 address.
/// Behind a proxy or `kubectl port-forward` every client is the proxy's address: the limits are
/// sized for that (docs/install.md, "Status page").
enum ClientAddress: Hashable, Sendable {
    case v4(UInt32)
    case v6Prefix(UInt64)
    /// No IP peer (a closed connection, a Unix socket): all such requests share one budget.
    case unknown

    init(_ address: SocketAddress?) {
        switch address {
        case .v4(let v4):
            self = .v4(UInt32(bigEndian: v4.address.sin_addr.s_addr))
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            guard bytes.count == 16 else { self = .unknown; return }
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
                self = .v4(bytes[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            } else {
                self = .v6Prefix(bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            }
        default:
            self = .unknown
        }
    }
}
