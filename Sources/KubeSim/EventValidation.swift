import KubeCore

/// The API server's length limits on an Event that has an `eventTime` (every events.k8s.io/v1
/// Event; core/v1 ones only when set): reason, action and reportingInstance at most 128 bytes,
/// the note (core/v1 `message`) at most 1024. Go's `len` counts UTF-8 bytes, so a 600-character
/// CJK note is rejected. The error names the fields as the API server's internal type does
/// (`message`, not `note`) and says "characters", as its message does.
enum EventValidation {
    static let limits: [(events: String, core: String, limit: Int)] = [
        ("reportingInstance", "reportingInstance", 128), ("action", "action", 128),
        ("reason", "reason", 128), ("note", "message", 1024),
    ]

    static func validate(_ info: ResourceInfo, _ event: JSONValue) throws(APIError) {
        guard EventMirror.counterpart(of: info.storeKey) != nil, !event["eventTime"].isNull else { return }
        let eventsAPI = info.storeKey == EventMirror.eventsStoreKey
        var causes: [String] = []
        for (eventsName, coreName, limit) in limits {
            guard let value = event[eventsAPI ? eventsName : coreName].string, value.utf8.count > limit else { continue }
            causes.append("\(coreName): Invalid value: \"\": can have at most \(limit) characters")
        }
        if !causes.isEmpty { throw APIError.invalid(info, event.name, causes.joined(separator: ", ")) }
    }
}
