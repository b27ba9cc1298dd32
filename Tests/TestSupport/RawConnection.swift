import Foundation
import KubeCore
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection on a POSIX socket, for the HTTP servers' tests: it sends exactly the bytes
/// a hostile or careless client would (half a request head, an odd or missing Host header), from a
/// chosen source address (any 127/8 address: another client), and sees exactly when the server
/// closes. Blocking socket calls run on their own threads (`BlockingWork`), never on the cooperative pool.
public final class RawConnection: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// What one `read` got: the bytes, and whether the peer closed or the time ran out first.
    public struct Reading: Sendable {
        public var bytes: [UInt8]
        public var closed: Bool
        public var timedOut: Bool
        public var text: String { String(decoding: bytes, as: UTF8.self) }

        /// The reading, or a failure naming what was read when the time ran out.
        public func checked() throws -> Reading {
            if timedOut { throw Failure(description: "timed out; read so far: \(text.prefix(500))") }
            return self
        }
    }

    /// The descriptor, -1 once closed.
    private let fd: LockedState<Int32>

    private init(fd: Int32) { self.fd = LockedState(fd) }

    deinit { close() }

    /// Connects to an IPv4 or IPv6 literal, from `source` (an address of the same family) when given;
    /// throws when refused.
    public static func connect(_ host: String, _ port: Int, from source: String? = nil,
                               receiveBuffer: Int32? = nil) async throws -> RawConnection {
        let fd: Int32 = try await BlockingWork.run(name: "raw-connection") {
            let v6 = host.contains(":")
            let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
            if var size = receiveBuffer {
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            do {
                if let source {
                    guard try withAddress(source, port: 0, { bind(fd, $0, $1) }) == 0 else {
                        throw Failure(description: "bind \(source): errno \(errno)")
                    }
                }
                guard try withAddress(host, port: port, { Glibc.connect(fd, $0, $1) }) == 0 else {
                    throw Failure(description: "connect [\(host)]:\(port)\(source.map { " from \($0)" } ?? ""): errno \(errno)")
                }
            } catch {
                Glibc.close(fd)
                throw error
            }
            return fd
        }
        return RawConnection(fd: fd)
    }

    public func send(_ text: String) async throws {
        let fd = self.fd.withLock { $0 }
        try await BlockingWork.run(name: "raw-connection") {
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard sent > 0 else { throw Failure(description: "send: errno \(errno)") }
                bytes = bytes.dropFirst(sent)
            }
        }
    }

    /// Reads until `done` holds for the text read so far, the peer closes, or `timeout` passes.
    public func read(timeout: Duration = .seconds(10), until done: @escaping @Sendable (String) -> Bool = { _ in false }) async -> Reading {
        let fd = self.fd.withLock { $0 }
        return await BlockingWork.run(name: "raw-connection") {
            let deadline = ContinuousClock.now + timeout
            var reading = Reading(bytes: [], closed: false, timedOut: false)
            var chunk = [UInt8](repeating: 0, count: 65536)
            while !done(reading.text) {
                let left = deadline - ContinuousClock.now
                guard left > .zero else {
                    reading.timedOut = true
                    break
                }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
                guard poll(&poller, 1, max(1, milliseconds)) > 0 else { continue }
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 {
                    reading.closed = true  // an orderly close, or a reset
                    break
                }
                reading.bytes += chunk[..<count]
            }
            return reading
        }
    }

    /// Reads one response with a Content-Length body; its status code.
    public func readResponse(timeout: Duration = .seconds(10)) async -> Int? {
        let text = await read(timeout: timeout) { text in
            guard let end = text.range(of: "\r\n\r\n") else { return false }
            let length = text[..<end.lowerBound].lowercased().split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            return text[end.upperBound...].utf8.count >= length
        }.text
        guard text.hasPrefix("HTTP/1.1 "), let code = Int(text.dropFirst(9).prefix(3)) else { return nil }
        return code
    }

    public func close() {
        let fd = self.fd.withLock { fd -> Int32 in
            defer { fd = -1 }
            return fd
        }
        if fd >= 0 { Glibc.close(fd) }
    }

    /// One request to `127.0.0.1:port` on a new connection (`Connection: close`), the whole answer read.
    public static func request(port: Int, from source: String = "127.0.0.1", path: String = "/api/v1/resources?limit=1",
                               headers: [String]) async throws -> Response {
        let connection = try await connect("127.0.0.1", port, from: source)
        defer { connection.close() }
        try await connection.send("GET \(path) HTTP/1.1\r\n" + headers.map { $0 + "\r\n" }.joined() + "Connection: close\r\n\r\n")
        return try Response(await connection.read().checked().text)
    }

    /// A parsed HTTP/1.1 answer (the body as sent: no chunked decoding needed for the checks).
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String

        public init(_ text: String) throws {
            guard let split = text.range(of: "\r\n\r\n") else { throw Failure(description: "no header end in \(text.prefix(300))") }
            let lines = text[..<split.lowerBound].split(separator: "\r\n")
            let statusLine = lines.first?.split(separator: " ") ?? []
            guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure(description: "bad status line in \(text.prefix(300))") }
            self.status = status
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            self.headers = headers
            body = String(text[split.upperBound...])
        }
    }

    /// Whether this machine has an IPv6 loopback to listen on.
    public static let hasIPv6Loopback: Bool = {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        return (try? withAddress("::1", port: 0) { bind(fd, $0, $1) }) == 0
    }()

    /// `body` with an IPv4 or IPv6 literal as the `sockaddr` pointer and length C wants.
    private static func withAddress(_ host: String, port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) throws -> Int32 {
        func call<Address>(_ address: Address) -> Int32 {
            withUnsafePointer(to: address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Address>.size)) }
            }
        }
        let networkPort = in_port_t(UInt16(clamping: port).bigEndian)
        if host.contains(":") {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = networkPort
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw Failure(description: "bad address \(host)") }
            return call(address)
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = networkPort
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Failure(description: "bad address \(host)") }
        return call(address)
    }
}
