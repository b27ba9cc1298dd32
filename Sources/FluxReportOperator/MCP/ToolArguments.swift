import FluxReport
import KubeCore

/// A tool call's arguments, read strictly: every argument is outside data (a model may send
/// anything), so an unknown name, a wrong type or a value out of bounds is a `ToolError` naming
/// the argument, never a trap or a silent default.
struct ToolArguments {
    private let values: [String: JSONValue]
    private var read: Set<String> = []

    /// Longest string argument accepted, in UTF-8 bytes (names are at most 253, search text 256).
    static let maxStringBytes = 256

    init(_ arguments: JSONValue?, allowed: [String]) throws(ToolError) {
        switch arguments {
        case nil, .null?: values = [:]
        case .object(let object)?: values = object
        case let other?: throw ToolError("arguments must be an object, not \(Self.typeName(other))")
        }
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            let want = allowed.isEmpty ? "this tool takes no arguments" : "want " + allowed.joined(separator: ", ")
            throw ToolError("unknown argument \"\(Self.clip(unknown))\": \(want)")
        }
    }

    /// A string argument, trimmed of nothing; nil when absent, null or empty.
    func string(_ name: String, maxBytes: Int = maxStringBytes) throws(ToolError) -> String? {
        guard let value = values[name], !value.isNull else { return nil }
        guard case .string(let text) = value else {
            throw ToolError("\(name) must be a string, not \(Self.typeName(value))")
        }
        guard text.utf8.count <= maxBytes else {
            throw ToolError("\(name) is \(text.utf8.count) bytes long; at most \(maxBytes) are accepted")
        }
        return text.isEmpty ? nil : text
    }

    func required(_ name: String) throws(ToolError) -> String {
        guard let text = try string(name) else { throw ToolError("\(name) is required") }
        return text
    }

    /// An integer argument within `range`, or `default` when absent.
    func integer(_ name: String, in range: ClosedRange<Int>, default fallback: Int) throws(ToolError) -> Int {
        guard let value = values[name], !value.isNull else { return fallback }
        let number: Int64?
        switch value {
        case .int(let i): number = i
        case .double(let d): number = d.rounded() == d ? Int64(exactly: d) : nil
        default: number = nil
        }
        guard let number, let int = Int(exactly: number), range.contains(int) else {
            let shown = value.string.map { "\"\(Self.clip($0))\"" } ?? Self.clip(value.serializedString())
            throw ToolError("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not \(shown)")
        }
        return int
    }

    /// One of `cases` (exactly as listed), or nil when absent.
    func choice(_ name: String, _ cases: [String]) throws(ToolError) -> String? {
        guard let text = try string(name) else { return nil }
        guard cases.contains(text) else {
            throw ToolError("unknown \(name) \"\(Self.clip(text))\": want " + cases.joined(separator: ", "))
        }
        return text
    }

    /// A Kubernetes object name: a DNS subdomain (lowercase letters, digits, `-` and `.`, at most 253).
    func objectName(_ name: String) throws(ToolError) -> String {
        try checked(name, required: true, Self.isSubdomain,
                    want: "an object name (lowercase letters, digits, - and ., at most 253)") ?? ""
    }

    func namespace(_ name: String, required: Bool) throws(ToolError) -> String? {
        try checked(name, required: required, OperatorOptions.isDNSLabel,
                    want: "a namespace name (lowercase letters, digits and -, at most 63)")
    }

    /// A kind name as Kubernetes spells them (`HelmRelease`); whether the cluster serves it is checked later.
    func kind(_ name: String, required: Bool) throws(ToolError) -> String? {
        try checked(name, required: required, { text in
            text.utf8.count <= 63 && text.first?.isUppercase == true && text.utf8.allSatisfy(Self.isAlphanumeric)
        }, want: "a Flux kind such as Kustomization or HelmRelease")
    }

    /// A string argument that `valid` accepts; nil when absent and not required.
    private func checked(_ name: String, required: Bool, _ valid: (String) -> Bool, want: String) throws(ToolError) -> String? {
        guard let text = try string(name) else {
            if required { throw ToolError("\(name) is required") }
            return nil
        }
        guard valid(text) else { throw ToolError("invalid \(name) \"\(Self.clip(text))\": want \(want)") }
        return text
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
    }

    static func isSubdomain(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 253, bytes.first != UInt8(ascii: "."), bytes.last != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    /// A value quoted back in a message: at most 64 characters.
    static func clip(_ text: String) -> String { FluxObject.bounded(text, to: 64) }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// A tool call that cannot be answered: the message is returned as the tool's result with
/// `isError` (the model reads it and can correct its call); the server goes on.
struct ToolError: Error, Equatable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
