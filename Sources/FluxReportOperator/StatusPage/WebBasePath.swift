/// `--web-base-path`: the path prefix the status page is served under behind an Ingress that
/// forwards `/flux/...` unchanged (`/flux`), or "" at the root. Every page, asset, API and `/mcp`
/// route is under it, and the page builds every link and request from it.
///
/// Validated strictly, as it is written into the HTML: `/` followed by segments of letters,
/// digits, `-`, `.`, `_` and `~`, no empty, `.` or `..` segment, no trailing `/`, at most 128
/// bytes. `/` alone is the root.
public struct WebBasePath: Sendable, Hashable, CustomStringConvertible {
    /// "" or `/seg/seg`.
    public let path: String

    public static let maxLength = 128

    public init() { path = "" }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public init(parsing text: String) throws(ParseError) {
        if text.isEmpty || text == "/" {
            path = ""
            return
        }
        guard text.utf8.count <= Self.maxLength else { throw ParseError(description: "longer than \(Self.maxLength) bytes") }
        guard text.hasPrefix("/") else { throw ParseError(description: "must start with /, as in /flux") }
        guard !text.hasSuffix("/") else { throw ParseError(description: "must not end with /, as in /flux") }
        for segment in text.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard !segment.isEmpty else { throw ParseError(description: "has an empty segment (//)") }
            guard !segment.elementsEqual(".".utf8), !segment.elementsEqual("..".utf8) else {
                throw ParseError(description: "has a . or .. segment")
            }
            guard segment.allSatisfy(Self.isAllowed) else {
                throw ParseError(description: "may hold only letters, digits, -, ., _, ~ and /")
            }
        }
        path = text
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "~")
    }

    /// `route` ("/api/v1/problems", "/" for the root) under the prefix.
    public func route(_ route: String) -> String {
        path.isEmpty ? route : (route == "/" ? path : path + route)
    }

    public var description: String { path.isEmpty ? "/" : path }
}
