/// Why a search query cannot be read, with a message meant for the person who typed it.
public struct ObjectQueryError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: String, Sendable, Equatable {
        case tooLong, tooManyTerms, unknownFilter, emptyValue, unknownStatus, unterminatedQuote, emptyTerm, doubleNegation
    }

    public var problem: Problem
    /// The offending part of the query (cut to a few dozen characters).
    public var term: String
    public var message: String

    init(_ problem: Problem, term: String = "", _ message: String) {
        self.problem = problem
        self.term = FluxObject.bounded(term, to: 64)
        self.message = message
    }

    public var description: String { message }
}
