/// A listen address like `:8080`, `0.0.0.0:8080`, `127.0.0.1:0` or `[::1]:9090`.
///
/// - `:PORT` (empty host): every interface, IPv6 and IPv4 on one dual-stack socket (as Go's
///   `:PORT` does); IPv4 only when the machine has no IPv6.
/// - `[::]:PORT`: every IPv6 address only; `0.0.0.0:PORT`: every IPv4 address only.
/// - An IP literal: that address; a name (`localhost`): its first resolved address.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Empty for every interface; an IPv6 literal without brackets.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Every interface, dual-stack (`:PORT`).
    public static func anyInterface(port: Int) -> ListenAddress { ListenAddress(host: "", port: port) }

    public struct ParseError: Error, CustomStringConvertible {
        public var input: String
        public var description: String { "invalid listen address \"\(input)\": want [host]:port, e.g. :8080, [::1]:8080 or 0.0.0.0:8080" }
    }

    /// Parses `[host]:port`; an empty host means every interface. An IPv6 literal needs brackets
    /// (`[::1]:8080`), so the port is never ambiguous.
    public init(parsing text: String) throws(ParseError) {
        guard let colon = text.lastIndex(of: ":") else { throw ParseError(input: text) }
        let digits = text[text.index(after: colon)...]
        guard !digits.isEmpty, digits.count <= 5, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let port = Int(digits), (0...65535).contains(port) else {
            throw ParseError(input: text)
        }
        var host = Substring(text[..<colon])
        if host.hasPrefix("[") || host.hasSuffix("]") {
            guard host.hasPrefix("["), host.hasSuffix("]"), host.count > 2 else { throw ParseError(input: text) }
            host = host.dropFirst().dropLast()
            guard host.contains(":") else { throw ParseError(input: text) }
        } else if host.contains(":") {
            throw ParseError(input: text)
        }
        guard host.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "[" && $0 != "]" && $0 != "/" }) else {
            throw ParseError(input: text)
        }
        self.host = String(host)
        self.port = port
    }

    /// Every interface on both families (`:PORT`).
    public var isDualStack: Bool { host.isEmpty }

    public var description: String {
        if host.isEmpty { return ":\(port)" }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
