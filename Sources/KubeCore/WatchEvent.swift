/// One event of a watch stream (`{"type": ..., "object": ...}` per line).
public struct WatchEvent: Sendable, Hashable {
    public enum EventType: String, Sendable, Hashable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
        case bookmark = "BOOKMARK"
        case error = "ERROR"
    }

    public var type: EventType
    /// The object; for `.error` a `metav1.Status`; for `.bookmark` an object carrying only `metadata.resourceVersion`.
    public var object: JSONValue

    public init(type: EventType, object: JSONValue) {
        self.type = type
        self.object = object
    }

    /// Decodes one watch line; nil type or missing object is an error.
    public init(json: JSONValue) throws(JSONParseError) {
        guard let raw = json["type"].string, let type = EventType(rawValue: raw) else {
            throw JSONParseError(message: "watch event without a known type", offset: 0)
        }
        guard case .object = json["object"] else {
            throw JSONParseError(message: "watch event without an object", offset: 0)
        }
        self.type = type
        self.object = json["object"]
    }

    public var json: JSONValue { ["type": .string(type.rawValue), "object": object] }
}
