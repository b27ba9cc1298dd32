/// A JSON document parsed once into its bytes plus a flat tape of tokens, read lazily through
/// `JSONNode` views: no dictionary, array or String is built until a value is read.
///
/// Made for LIST pages: the operator reads ~25 fields of each Flux object, so building a
/// `JSONValue` tree per object (a hashed dictionary and a String per key and value) and freeing it
/// would be most of the initial sync's CPU. It accepts and rejects exactly what `JSONValue.parse` does
/// (the tape is built by the same `JSONByteParser` rules, errors included), and every value read
/// through it equals the `JSONValue` one (Tests/KubeCoreTests/JSONDocumentTests.swift, `Fuzz/`).
public final class JSONDocument: Sendable {
    /// One value of the document, in document order (an object's members are key, value, key, value…).
    struct Token: Sendable {
        enum Kind: UInt8, Sendable { case null, `true`, `false`, int, double, string, array, object }
        var kind: Kind
        /// string: offset of the opening quote. Containers: offset of the opening bracket.
        var start: Int
        /// string: offset after the closing quote. Containers: index of the token after the
        /// container's last one (so a container is skipped in O(1)). Scalars: unused.
        var extent: Int
        /// string: `plainASCII` when it has no escape and only ASCII bytes. Containers: number of
        /// members or elements. int: the value; double: its bit pattern.
        var info: Int

        static let plainASCII = 1
    }

    let bytes: [UInt8]
    let tokens: [Token]

    /// Parses one JSON document; trailing whitespace is allowed, anything else is an error
    /// (the same error `JSONValue.parse` throws).
    public init(bytes: [UInt8]) throws(JSONParseError) {
        var tokens: [Token] = []
        // About one token per 12 bytes in Kubernetes objects: one allocation for most pages.
        tokens.reserveCapacity(bytes.count / 12 + 4)
        let result: Result<Void, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONByteParser(buffer: buffer)
            return Result { () throws(JSONParseError) in
                try parser.tapeValue(depth: 0, into: &tokens)
                parser.skipWhitespace()
                if parser.index != buffer.count { throw parser.error("unexpected trailing data") }
            }
        }
        try result.get()
        self.bytes = bytes
        self.tokens = tokens
    }

    public convenience init(_ text: String) throws(JSONParseError) {
        try self.init(bytes: Array(text.utf8))
    }

    /// The document's top-level value.
    public var root: JSONNode { JSONNode(document: self, index: 0) }

    /// Index of the token after `index` and everything inside it.
    @inline(__always)
    func next(after index: Int) -> Int {
        let token = tokens[index]
        switch token.kind {
        case .array, .object: return token.extent
        default: return index + 1
        }
    }

    /// The string token's value, decoded by the same code as `JSONValue.parse`.
    func string(at index: Int) -> String {
        let token = tokens[index]
        return bytes.withUnsafeBufferPointer { buffer in
            if token.info & Token.plainASCII != 0 {
                return String(decoding: UnsafeBufferPointer(rebasing: buffer[(token.start + 1)..<(token.extent - 1)]), as: UTF8.self)
            }
            var parser = JSONByteParser(buffer: buffer)
            parser.index = token.start
            // Validated when the tape was built, so this cannot throw; "" keeps it total anyway.
            return (try? parser.parseString()) ?? ""
        }
    }

    /// The value token of the object's member `key` (the object's token at `object`, its tokens
    /// before `extent`), or -1. Every member is compared: for duplicate keys the last one wins, as
    /// in the dictionary `JSONValue` builds. The key's bytes and the buffers are taken once: this
    /// is the projection's inner loop (~40 lookups per object).
    func member(_ key: String, of object: Int, extent: Int) -> Int {
        var contiguous = key  // withUTF8 may make a native copy; `key` stays readable inside
        return contiguous.withUTF8 { keyBytes in
            var keyIsASCII = true
            for byte in keyBytes where byte >= 0x80 { keyIsASCII = false; break }
            return tokens.withUnsafeBufferPointer { tokens in
                bytes.withUnsafeBufferPointer { buffer in
                    var found = -1
                    var member = object + 1
                    while member < extent {
                        let token = tokens[member]
                        let same: Bool
                        if token.info & Token.plainASCII != 0 {
                            let start = token.start + 1
                            let length = token.extent - 1 - start
                            if length == keyBytes.count {
                                var equal = true
                                for offset in 0..<length where buffer[start + offset] != keyBytes[offset] { equal = false; break }
                                // Equal bytes are equal Strings; unequal ones are unequal Strings
                                // when both are ASCII (canonical equivalence needs non-ASCII).
                                same = equal || (!keyIsASCII && self.key(at: member, equals: key, keyIsASCII: false))
                            } else {
                                same = !keyIsASCII && self.key(at: member, equals: key, keyIsASCII: false)
                            }
                        } else {
                            same = self.key(at: member, equals: key, keyIsASCII: keyIsASCII)
                        }
                        if same { found = member + 1 }
                        let value = tokens[member + 1]
                        member = value.kind == .array || value.kind == .object ? value.extent : member + 2
                    }
                    return found
                }
            }
        }
    }

    /// Whether the key token at `index` reads as `key` (Swift String equality, as the dictionary
    /// keys of `JSONValue` compare: canonical equivalence, so the bytes alone decide only for ASCII).
    func key(at index: Int, equals key: String, keyIsASCII: Bool) -> Bool {
        let token = tokens[index]
        if token.info & Token.plainASCII != 0 {
            let length = token.extent - 1 - (token.start + 1)
            let same: Bool? = key.utf8.withContiguousStorageIfAvailable { keyBytes in
                guard keyBytes.count == length else { return false }
                return bytes.withUnsafeBufferPointer { buffer in
                    var offset = token.start + 1
                    for byte in keyBytes {
                        if buffer[offset] != byte { return false }
                        offset += 1
                    }
                    return true
                }
            }
            if let same {
                if same || keyIsASCII { return same }
            }
        }
        return string(at: index) == key
    }

    /// The token's value as a `JSONValue` tree (duplicate keys: the last one wins, as in `JSONValue.parse`).
    func value(at index: Int) -> JSONValue {
        let token = tokens[index]
        switch token.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .int: return .int(Int64(truncatingIfNeeded: token.info))
        case .double: return .double(Double(bitPattern: UInt64(truncatingIfNeeded: token.info)))
        case .string: return .string(string(at: index))
        case .array:
            var items: [JSONValue] = []
            var child = index + 1
            while child < token.extent {
                items.append(value(at: child))
                child = next(after: child)
            }
            return .array(items)
        case .object:
            var dict: [String: JSONValue] = [:]
            var child = index + 1
            while child < token.extent {
                dict[string(at: child)] = value(at: child + 1)
                child = next(after: child + 1)
            }
            return .object(dict)
        }
    }
}

// MARK: - Building the tape (same grammar, limits and errors as `parseValue`)

extension JSONByteParser {
    typealias Token = JSONDocument.Token

    mutating func tapeValue(depth: Int, into tokens: inout [Token]) throws(JSONParseError) {
        guard depth < Self.maxDepth else { throw error("nesting too deep") }
        skipWhitespace()
        guard index < buffer.count else { throw error("unexpected end of input") }
        switch buffer[index] {
        case UInt8(ascii: "{"): try tapeObject(depth: depth, into: &tokens)
        case UInt8(ascii: "["): try tapeArray(depth: depth, into: &tokens)
        case UInt8(ascii: "\""): try tapeString(into: &tokens)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            tokens.append(Token(kind: .true, start: index, extent: 0, info: 0))
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            tokens.append(Token(kind: .false, start: index, extent: 0, info: 0))
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            tokens.append(Token(kind: .null, start: index, extent: 0, info: 0))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            switch try parseNumber() {
            case .int(let value): tokens.append(Token(kind: .int, start: start, extent: 0, info: Int(truncatingIfNeeded: value)))
            case .double(let value):
                tokens.append(Token(kind: .double, start: start, extent: 0, info: Int(truncatingIfNeeded: value.bitPattern)))
            default: throw error("invalid number")  // parseNumber returns only numbers
            }
        default: throw error("unexpected character")
        }
    }

    mutating func tapeObject(depth: Int, into tokens: inout [Token]) throws(JSONParseError) {
        let slot = tokens.count
        tokens.append(Token(kind: .object, start: index, extent: 0, info: 0))
        index += 1  // {
        var members = 0
        defer {
            tokens[slot].extent = tokens.count
            tokens[slot].info = members
        }
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else { throw error("expected object key") }
            try tapeString(into: &tokens)
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            try tapeValue(depth: depth + 1, into: &tokens)
            members += 1
            skipWhitespace()
            guard index < buffer.count else { throw error("unexpected end of input") }
            if buffer[index] == UInt8(ascii: ",") { index += 1; continue }
            if buffer[index] == UInt8(ascii: "}") { index += 1; return }
            throw error("expected ',' or '}'")
        }
    }

    mutating func tapeArray(depth: Int, into tokens: inout [Token]) throws(JSONParseError) {
        let slot = tokens.count
        tokens.append(Token(kind: .array, start: index, extent: 0, info: 0))
        index += 1  // [
        var elements = 0
        defer {
            tokens[slot].extent = tokens.count
            tokens[slot].info = elements
        }
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try tapeValue(depth: depth + 1, into: &tokens)
            elements += 1
            skipWhitespace()
            guard index < buffer.count else { throw error("unexpected end of input") }
            if buffer[index] == UInt8(ascii: ",") { index += 1; continue }
            if buffer[index] == UInt8(ascii: "]") { index += 1; return }
            throw error("expected ',' or ']'")
        }
    }

    /// Validates a string exactly as `parseString` does (same errors at the same offsets) without
    /// building it, and records whether it is plain ASCII (no escape), the fast path for reads.
    mutating func tapeString(into tokens: inout [Token]) throws(JSONParseError) {
        let quote = index
        index += 1  // opening quote
        var high: UInt8 = 0
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                tokens.append(Token(kind: .string, start: quote, extent: index, info: high < 0x80 ? Token.plainASCII : 0))
                return
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("control character in string") }
            high |= byte
            index += 1
        }
        guard index < buffer.count else { throw error("unterminated string") }
        while index < buffer.count {
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                tokens.append(Token(kind: .string, start: quote, extent: index, info: 0))
                return
            case UInt8(ascii: "\\"):
                index += 1
                guard index < buffer.count else { throw error("unterminated escape") }
                let escaped = buffer[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    let scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar),
                       index + 1 < buffer.count, buffer[index] == UInt8(ascii: "\\"), buffer[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                    }
                default:
                    throw error("invalid escape")
                }
            default:
                if byte < 0x20 { throw error("control character in string") }
                index += 1
            }
        }
        throw error("unterminated string")
    }
}
