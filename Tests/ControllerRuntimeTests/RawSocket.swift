import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client on a POSIX socket, for the HTTP servers' tests: it sends exactly the bytes
/// a hostile or careless client would (half a request head, then nothing) and sees exactly when the
/// server closes. Blocking calls run on a dispatch thread, not the cooperative pool.
final class RawSocket: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }
    deinit { Glibc.close(fd) }

    /// Connects to an IPv4 or IPv6 literal; throws when refused.
    static func connect(_ host: String, _ port: Int, receiveBuffer: Int32? = nil) async throws -> RawSocket {
        try await blocking {
            let v6 = host.contains(":")
            let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
            let connection = RawSocket(fd: fd)
            if var size = receiveBuffer {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            let status: Int32
            if v6 {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = in_port_t(UInt16(port).bigEndian)
                guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw Failure(description: "bad address \(host)") }
                status = withSockaddr(address) { Glibc.connect(fd, $0, $1) }
            } else {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = in_port_t(UInt16(port).bigEndian)
                guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "bad address \(host)") }
                status = withSockaddr(address) { Glibc.connect(fd, $0, $1) }
            }
            guard status == 0 else { throw Failure(description: "connect [\(host)]:\(port): errno \(errno)") }
            return connection
        }
    }

    func send(_ text: String) async throws {
        let bytes = Array(text.utf8)
        try await Self.blocking { [fd] in
            var sent = 0
            while sent < bytes.count {
                let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { throw Failure(description: "send: errno \(errno)") }
                sent += n
            }
        }
    }

    /// Reads until the server closes the connection (true), `until` says enough, or `timeout`
    /// passes (false): what was read and whether the server closed.
    func read(timeout: Duration, until enough: @escaping @Sendable ([UInt8]) -> Bool = { _ in false }) async -> (bytes: [UInt8], closed: Bool) {
        (try? await Self.blocking { [fd] in
            var timeval = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeval, socklen_t(MemoryLayout<timeval>.size))
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 || (n < 0 && errno == ECONNRESET) { return (received, true) }
                if n < 0 { return (received, false) }
                received += buffer[0..<n]
                if enough(received) { return (received, false) }
            }
        }) ?? ([], false)
    }

    /// Reads one response with a Content-Length body; its status code.
    func readResponse(timeout: Duration = .seconds(10)) async -> Int? {
        let (bytes, _) = await read(timeout: timeout) { bytes in
            guard let end = Self.headEnd(bytes) else { return false }
            let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            return bytes.count - (end + 4) >= length
        }
        let text = String(decoding: bytes.prefix(12), as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 "), let code = Int(text.dropFirst(9).prefix(3)) else { return nil }
        return code
    }

    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Whether this machine has an IPv6 loopback to listen on.
    static let hasIPv6Loopback: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_loopback
        return withSockaddr(address) { bind(fd, $0, $1) } == 0
    }()

    /// `body` with a `sockaddr_in` or `sockaddr_in6` as the `sockaddr` pointer and length C wants.
    private static func withSockaddr<Address>(_ address: Address, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
        withUnsafePointer(to: address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }
}
