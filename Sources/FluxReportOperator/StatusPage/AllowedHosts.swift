import Foundation

/// The Host header values the status page answers (`--web-allowed-hosts`): IP literals (IPv4, or
/// bracketed IPv6), `localhost`, and the names listed, each with or without a port. A page on
/// another site can make a browser send requests to the status page's address under the other
/// site's name (DNS rebinding); with the name checked, such a request gets no data.
///
/// Names compare ASCII-case-insensitively, with one trailing dot ignored (`example.com.` is
/// `example.com`). A listed `*.example.com` allows every name under `example.com` (not
/// `example.com` itself); a listed `*` turns the check off (for a proxy that checks Host itself).
public struct AllowedHosts: Sendable, Hashable, CustomStringConvertible {
    /// A pattern that is not a host name, `*.` and a host name, or `*`.
    public struct InvalidPattern: Error, Equatable, CustomStringConvertible {
        public var pattern: String
        public var description: String {
            "invalid allowed host \"\(pattern)\": want a host name such as status.example.com (no scheme, port or path), *.example.com, or *"
        }
    }

    private var names: Set<String> = []
    /// `.example.com` for a listed `*.example.com`.
    private var suffixes: Set<String> = []
    private var any = false

    /// Only IP literals and `localhost`.
    public init() {}

    /// Comma-separated patterns, as the flag takes them; blanks between commas are ignored.
    public init(parsing list: String) throws(InvalidPattern) {
        for raw in list.split(separator: ",") {
            let pattern = raw.trimmingCharacters(in: .whitespaces)
            if pattern.isEmpty { continue }
            let lowered = Self.lowercased(pattern)
            if lowered == "*" {
                any = true
            } else if lowered.hasPrefix("*."), let name = Self.name(String(lowered.dropFirst(2))) {
                suffixes.insert("." + name)
            } else if let name = Self.name(lowered) {
                names.insert(name)
            } else {
                throw InvalidPattern(pattern: String(pattern.prefix(100)))
            }
        }
    }

    /// The listed patterns in a stable order (logs, tests).
    public var description: String {
        ((any ? ["*"] : []) + names.sorted() + suffixes.sorted().map { "*" + $0 }).joined(separator: ",")
    }

    /// Whether a request with this Host header (nil: none) is answered.
    public func allows(host: String?) -> Bool {
        if any { return true }
        guard let host, let parsed = Self.hostPart(of: host) else { return false }
        switch parsed {
        case .ip:
            return true
        case .name(let name):
            if name == "localhost" || names.contains(name) { return true }
            return suffixes.contains { name.hasSuffix($0) && name.utf8.count > $0.utf8.count }
        }
    }

    enum HostPart: Equatable {
        case ip
        /// Lowercased, without its trailing dot.
        case name(String)
    }

    /// The host of a Host header value (`host`, `host:port`, `[v6]`, `[v6]:port`); nil when it is
    /// not well-formed.
    static func hostPart(of header: String) -> HostPart? {
        let value = lowercased(header)
        guard !value.isEmpty, value.utf8.count <= 300 else { return nil }
        var host = Substring(value)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let literal = String(host[host.index(after: host.startIndex)..<close])
            guard isIPv6(literal), isPort(host[host.index(after: close)...]) else { return nil }
            return .ip
        }
        if let colon = host.firstIndex(of: ":") {
            guard isPort(host[colon...]) else { return nil }
            host = host[..<colon]
        }
        if isIPv4(host) { return .ip }
        guard let name = name(String(host)) else { return nil }
        return .name(name)
    }

    /// A DNS name (labels of letters, digits, `-` and `_`), lowercased, its trailing dot removed.
    private static func name(_ text: String) -> String? {
        var text = Substring(text)
        if text.hasSuffix(".") { text = text.dropLast() }
        guard !text.isEmpty, text.utf8.count <= 253 else { return nil }
        for label in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-",
                  label.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) else {
                return nil
            }
        }
        return String(text)
    }

    /// Empty, or `:` and a port number.
    private static func isPort(_ text: Substring) -> Bool {
        if text.isEmpty { return true }
        let digits = text.dropFirst()
        guard text.first == ":", (1...5).contains(digits.utf8.count), digits.utf8.allSatisfy(isDigit), let port = Int(digits) else {
            return false
        }
        return port <= 65535
    }

    /// Four dot-separated decimal numbers, each 0-255.
    private static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            (1...3).contains(part.utf8.count) && part.utf8.allSatisfy(isDigit) && (Int(part) ?? 256) <= 255
        }
    }

    /// An IPv6 address without zone (the text between a Host header's brackets).
    private static func isIPv6(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 45,
              text.utf8.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }) else { return false }
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }

    private static func lowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
    }
}
