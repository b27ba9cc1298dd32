/// A listen address like `:8080`, `0.0.0.0:8080`, `127.0.0.1:0` or `[::1]:9090`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var input: String
        public var description: String { "invalid listen address \"\(input)\": want [host]:port, e.g. :8080" }
    }

    /// Parses `[host]:port`; an empty host means every interface.
    public init(parsing text: String) throws(ParseError) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ParseError(input: text)
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
