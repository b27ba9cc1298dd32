/// A Node reduced to nothing: the report only counts them.
public struct NodeMarker: Sendable, Equatable {}
