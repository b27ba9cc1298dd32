import Foundation
import KubeCore
import Glibc

/// A plain TCP connection to a loopback server, for requests no HTTP client sends as written (odd
/// or missing Host headers) and from a chosen source address (`127.0.0.2`: another client).
/// Blocking socket calls run on their own threads (`BlockingWork`), never on the cooperative pool.
final class RawHTTPConnection: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Guarded by `lock`: the descriptor, and what was read and not yet consumed.
    private let lock = LockedState((fd: Int32(-1), buffer: [UInt8]()))

    private init(fd: Int32) { lock.withLock { $0.fd = fd } }

    deinit { close() }

    /// Connects from `source` (any 127/8 address) to `127.0.0.1:port`.
    static func open(port: Int, from source: String = "127.0.0.1") async throws -> RawHTTPConnection {
        let fd: Int32 = try await BlockingWork.run(name: "raw-http") {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            var remote = sockaddr_in()
            remote.sin_family = sa_family_t(AF_INET)
            remote.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
            inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
            let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard bound == 0, connected == 0 else {
                let error = errno
                Glibc.close(fd)
                throw Failure(description: "connect from \(source) to port \(port): errno \(error)")
            }
            return fd
        }
        return RawHTTPConnection(fd: fd)
    }

    func send(_ text: String) async throws {
        let fd = lock.withLock { $0.fd }
        try await BlockingWork.run(name: "raw-http") {
            var bytes = Array(text.utf8)[...]
            while !bytes.isEmpty {
                let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard sent > 0 else { throw Failure(description: "send: errno \(errno)") }
                bytes = bytes.dropFirst(sent)
            }
        }
    }

    /// Reads until `done` holds for everything read so far, or the peer closes; fails after `timeout`.
    /// Returns what was read (and consumes it).
    @discardableResult
    func read(timeout: Duration = .seconds(10), until done: @escaping @Sendable (String) -> Bool = { _ in false }) async throws -> (text: String, closed: Bool) {
        try await BlockingWork.run(name: "raw-http") { [self] in
            let deadline = ContinuousClock.now + timeout
            let fd = lock.withLock { $0.fd }
            var closed = false
            while !done(String(decoding: lock.withLock { $0.buffer }, as: UTF8.self)) {
                let left = deadline - ContinuousClock.now
                guard left > .zero else {
                    let text = String(decoding: lock.withLock { $0.buffer }, as: UTF8.self)
                    throw Failure(description: "timed out after \(timeout); read so far: \(text.prefix(500))")
                }
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
                guard poll(&poller, 1, max(1, milliseconds)) > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 {
                    closed = true
                    break
                }
                lock.withLock { $0.buffer += chunk[..<count] }
            }
            let text = lock.withLock { state in
                defer { state.buffer.removeAll() }
                return String(decoding: state.buffer, as: UTF8.self)
            }
            return (text, closed)
        }
    }

    func close() {
        let fd = lock.withLock { state -> Int32 in
            defer { state.fd = -1 }
            return state.fd
        }
        if fd >= 0 { Glibc.close(fd) }
    }

    /// One request on a new connection (`Connection: close`), the whole answer read.
    static func request(port: Int, from source: String = "127.0.0.1", path: String = "/api/v1/resources?limit=1",
                        headers: [String]) async throws -> Response {
        let connection = try await open(port: port, from: source)
        defer { connection.close() }
        try await connection.send("GET \(path) HTTP/1.1\r\n" + headers.map { $0 + "\r\n" }.joined() + "Connection: close\r\n\r\n")
        let (text, _) = try await connection.read()
        return try Response(text)
    }

    /// A parsed HTTP/1.1 answer (the body as sent: no chunked decoding needed for the checks).
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String

        init(_ text: String) throws {
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
}
