/// A value inside a `JSONDocument`: the document and a token index, read lazily (a string is built
/// only when read, an object member found by a scan of its keys' bytes). Reads equal those of the
/// `JSONValue` the same bytes parse to.
public struct JSONNode: JSONReadable {
    public let document: JSONDocument
    /// Token index; -1 for an absent value (reads as null).
    let index: Int

    init(document: JSONDocument, index: Int) {
        self.document = document
        self.index = index
    }

    private var token: JSONDocument.Token? { index >= 0 ? document.tokens[index] : nil }
    private var absent: JSONNode { JSONNode(document: document, index: -1) }

    public subscript(key: String) -> JSONNode {
        guard let token, token.kind == .object else { return absent }
        return JSONNode(document: document, index: document.member(key, of: index, extent: token.extent))
    }

    public var isNull: Bool { token.map { $0.kind == .null } ?? true }

    public var string: String? {
        guard let token, token.kind == .string else { return nil }
        return document.string(at: index)
    }

    public var bool: Bool? {
        switch token?.kind {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }

    public var int: Int64? {
        guard let token else { return nil }
        switch token.kind {
        case .int: return Int64(truncatingIfNeeded: token.info)
        case .double: return JSONValue.double(Double(bitPattern: UInt64(truncatingIfNeeded: token.info))).int
        default: return nil
        }
    }

    public var double: Double? {
        guard let token else { return nil }
        switch token.kind {
        case .int: return Double(Int64(truncatingIfNeeded: token.info))
        case .double: return Double(bitPattern: UInt64(truncatingIfNeeded: token.info))
        default: return nil
        }
    }

    public var stringMap: [String: String] {
        guard let token, token.kind == .object else { return [:] }
        var out: [String: String] = [:]
        var member = index + 1
        while member < token.extent {
            let key = document.string(at: member)
            // A later duplicate replaces an earlier one, also when it is not a string.
            if document.tokens[member + 1].kind == .string {
                out[key] = document.string(at: member + 1)
            } else {
                out.removeValue(forKey: key)
            }
            member = document.next(after: member + 1)
        }
        return out
    }

    public var elements: Elements? {
        guard let token, token.kind == .array else { return nil }
        return Elements(document: document, start: index + 1, end: token.extent)
    }

    public var elementCount: Int? {
        guard let token, token.kind == .array else { return nil }
        return token.info
    }

    public var value: JSONValue { index >= 0 ? document.value(at: index) : .null }

    /// The elements of an array node, each skipped in O(1).
    public struct Elements: Sequence, Sendable {
        let document: JSONDocument
        let start: Int
        let end: Int

        public struct Iterator: IteratorProtocol {
            let document: JSONDocument
            var position: Int
            let end: Int

            public mutating func next() -> JSONNode? {
                guard position < end else { return nil }
                let node = JSONNode(document: document, index: position)
                position = document.next(after: position)
                return node
            }
        }

        public func makeIterator() -> Iterator { Iterator(document: document, position: start, end: end) }
        public var underestimatedCount: Int { 0 }
    }
}
