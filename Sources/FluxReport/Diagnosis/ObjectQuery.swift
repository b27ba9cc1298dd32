/// A search over Flux objects (docs/diagnosis.md, Query syntax): terms separated by spaces, all of
/// which must hold. `kind:HelmRelease`, `ns:tenant-*`, `name:web*` and `status:failing` filter on a
/// field (`*` is any run of characters, letters match either case); any other term is free text
/// looked for in the name, the Ready reason and the message. A leading `-` negates a term;
/// `"…"` quotes a value with spaces.
public struct ObjectQuery: Sendable, Hashable, CustomStringConvertible {
    public enum Field: String, Sendable, CaseIterable {
        case kind, ns, name, status
    }

    public enum Status: String, Sendable, CaseIterable {
        case failing, blocked, stale, drifted, suspended, ready
    }

    public enum Test: Sendable, Hashable {
        case field(Field, String)
        case status(Status)
        case text(String)
    }

    public struct Term: Sendable, Hashable {
        public var test: Test
        public var negated: Bool

        public init(_ test: Test, negated: Bool = false) {
            self.test = test
            self.negated = negated
        }
    }

    public let terms: [Term]
    /// The terms with their patterns lowercased once, for matching many objects.
    private let compiled: [Compiled]

    public static let maxLength = 1024
    public static let maxTerms = 32

    public init(terms: [Term] = []) {
        self.terms = terms
        compiled = terms.map(Compiled.init)
    }

    public init(parsing text: String) throws(ObjectQueryError) {
        guard text.utf8.count <= Self.maxLength else {
            throw ObjectQueryError(.tooLong, "the query is \(text.utf8.count) bytes long; at most \(Self.maxLength) are read")
        }
        var terms: [Term] = []
        for token in try Self.tokens(text) {
            guard terms.count < Self.maxTerms else {
                throw ObjectQueryError(.tooManyTerms, term: Self.string(token), "more than \(Self.maxTerms) terms; combine them with * wildcards")
            }
            terms.append(try Self.term(token))
        }
        self.init(terms: terms)
    }

    public static func == (a: ObjectQuery, b: ObjectQuery) -> Bool { a.terms == b.terms }

    public func hash(into hasher: inout Hasher) { hasher.combine(terms) }

    /// This query and `other`'s terms, all of which must hold (a page's filter fields beside its
    /// search box).
    public func and(_ other: [Term]) -> ObjectQuery { ObjectQuery(terms: terms + other) }

    /// Whether a term reads the object's signals (`status:`): only then are they evaluated.
    public var readsSignals: Bool {
        terms.contains { if case .status = $0.test { return true } else { return false } }
    }

    typealias Scalars = ArraySlice<Unicode.Scalar>

    /// Splits at unquoted white space, keeping quotes in the tokens. Scalars, not characters: a
    /// combining mark after a space or a quote must not glue it to its neighbour.
    static func tokens(_ text: String) throws(ObjectQueryError) -> [Scalars] {
        let scalars = Array(text.unicodeScalars)
        var tokens: [Scalars] = []
        var start: Int?
        var quoted = false
        for (i, c) in scalars.enumerated() {
            if c == "\"" {
                quoted.toggle()
                if start == nil { start = i }
            } else if c.properties.isWhitespace && !quoted {
                if let s = start { tokens.append(scalars[s..<i]) }
                start = nil
            } else if start == nil {
                start = i
            }
        }
        if quoted {
            throw ObjectQueryError(.unterminatedQuote, term: string(start.map { scalars[$0...] } ?? []), "a quote is not closed: add \" after the value")
        }
        if let s = start { tokens.append(scalars[s...]) }
        return tokens
    }

    static func string(_ scalars: Scalars) -> String {
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars)
        return String(out)
    }

    static func term(_ token: Scalars) throws(ObjectQueryError) -> Term {
        let shown = string(token)
        var body = token
        let negated = body.first == "-"
        if negated { body = body.dropFirst() }
        guard !body.isEmpty else { throw ObjectQueryError(.emptyTerm, term: shown, "\"-\" alone: put the term to exclude right after it, as in -kind:Bucket") }
        if negated, body.first == "-" {
            throw ObjectQueryError(.doubleNegation, term: shown, "\"\(shown)\": one - negates a term; quote text that starts with -")
        }
        if body.first != "\"", let colon = body.firstIndex(of: ":"), colon > body.startIndex,
           body[..<colon].allSatisfy({ $0.isASCII && $0.properties.isAlphabetic }) {
            let name = string(body[..<colon]).lowercased()
            guard let field = Field(rawValue: name == "namespace" ? "ns" : name) else {
                throw ObjectQueryError(.unknownFilter, term: shown,
                                 "unknown filter \"\(string(body[..<colon])):\": use kind:, ns:, name: or status:, or quote the text")
            }
            let value = try unquote(body[(colon + 1)...], shown)
            guard !value.isEmpty else {
                throw ObjectQueryError(.emptyValue, term: shown, "\"\(shown)\" has no value: write \(field.rawValue):VALUE")
            }
            if field == .status {
                guard let status = Status(rawValue: value.lowercased()) else {
                    throw ObjectQueryError(.unknownStatus, term: shown, "unknown status \"\(value)\": use "
                                     + Status.allCases.map(\.rawValue).joined(separator: ", "))
                }
                return Term(.status(status), negated: negated)
            }
            return Term(.field(field, value), negated: negated)
        }
        let value = try unquote(body, shown)
        guard !value.isEmpty else { throw ObjectQueryError(.emptyValue, term: shown, "\"\(shown)\": empty quotes match nothing; remove them") }
        return Term(.text(value), negated: negated)
    }

    /// The value without its quotes; a quote elsewhere than around the whole value is an error.
    static func unquote(_ value: Scalars, _ token: String) throws(ObjectQueryError) -> String {
        var inner = value
        if value.first == "\"" {
            guard value.count >= 2, value.last == "\"" else {
                throw ObjectQueryError(.unterminatedQuote, term: token, "\"\(token)\": quote the whole value, as in \"some text\"")
            }
            inner = value.dropFirst().dropLast()
        }
        guard !inner.contains("\"") else {
            throw ObjectQueryError(.unterminatedQuote, term: token, "\"\(token)\": quote the whole value, as in \"some text\"")
        }
        return string(inner)
    }

    /// The query in its canonical form; parsing it gives this query again.
    public var description: String {
        terms.map { term in
            let body: String
            switch term.test {
            case .field(let field, let value): body = "\(field.rawValue):\(Self.quoted(value))"
            case .status(let status): body = "status:\(status.rawValue)"
            case .text(let value):
                let scalars = value.unicodeScalars
                let needsQuotes = scalars.first == "-" || scalars.contains(":") || scalars.contains { $0.properties.isWhitespace }
                body = needsQuotes ? "\"\(value)\"" : value
            }
            return (term.negated ? "-" : "") + body
        }.joined(separator: " ")
    }

    static func quoted(_ value: String) -> String {
        value.unicodeScalars.contains { $0.properties.isWhitespace } ? "\"\(value)\"" : value
    }

    // MARK: Matching

    /// Whether the object, with its signals at the moment, satisfies every term.
    public func matches(_ object: FluxObject, _ signals: ObjectSignals) -> Bool {
        compiled.allSatisfy { $0.matches(object, signals) }
    }

    /// `matches(_:_:)` with the signals `Signals.evaluate` gives at `now` (without history, which
    /// changes only their times, not which state they are in), evaluated only when a term reads them.
    public func matches(_ object: FluxObject, now: Int64, staleFactor: Int64) -> Bool {
        matches(object, readsSignals ? Signals.evaluate(object, history: nil, now: now, factor: staleFactor) : ObjectSignals())
    }

    private struct Compiled: Sendable {
        let term: Term
        let pattern: [UInt8]

        init(_ term: Term) {
            self.term = term
            switch term.test {
            case .field(_, let value), .text(let value): pattern = value.utf8.map(Glob.lower)
            case .status: pattern = []
            }
        }

        func matches(_ object: FluxObject, _ signals: ObjectSignals) -> Bool {
            let holds: Bool
            switch term.test {
            case .field(.kind, _): holds = Glob.matches(pattern, object.kind)
            case .field(.ns, _): holds = Glob.matches(pattern, object.namespace)
            case .field(.name, _): holds = Glob.matches(pattern, object.name)
            case .field(.status, _): holds = false  // parsed as `.status`
            case .status(let status):
                switch status {
                case .failing: holds = signals.state == .failing
                case .blocked: holds = signals.state == .blocked
                case .suspended: holds = object.suspended
                case .stale: holds = signals.stale
                case .drifted: holds = object.signals.drifted
                case .ready: holds = object.metricReady == .true && !object.suspended
                }
            case .text:
                let fields = [object.name, object.reason, object.message]
                holds = pattern.contains(UInt8(ascii: "*"))
                    ? fields.contains { Glob.matches(pattern, $0) }
                    : fields.contains { Glob.contains(pattern, in: $0) }
            }
            return holds != term.negated
        }
    }
}
