/// A configuration problem the user can fix (bad flag value, unreadable kubeconfig): exit code 2.
public struct UsageError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
