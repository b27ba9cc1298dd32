import KubeCore

/// core/v1 `events` and `events.k8s.io/v1` `events` are two views of one object in Kubernetes:
/// an Event written through either API is listed and watched through both. The store keeps one
/// copy per group and converts between them on every write and delete (under the store's lock, so
/// both copies change atomically and share name, uid and resourceVersion).
enum EventMirror {
    static let coreStoreKey = "events"
    static let eventsStoreKey = "events.events.k8s.io"

    /// The other group's store key, when `storeKey` is one of the two Event stores.
    static func counterpart(of storeKey: String) -> String? {
        switch storeKey {
        case coreStoreKey: return eventsStoreKey
        case eventsStoreKey: return coreStoreKey
        default: return nil
        }
    }

    /// Converts an Event stored under `storeKey` to the representation of the other group.
    static func convert(_ event: JSONValue, from storeKey: String) -> JSONValue {
        storeKey == coreStoreKey ? toEventsV1(event) : toCoreV1(event)
    }

    /// Field pairs (events.k8s.io/v1 name, core/v1 name) as the API server's conversion maps them.
    static let renamed: [(String, String)] = [
        ("regarding", "involvedObject"), ("note", "message"), ("reportingController", "reportingComponent"),
        ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"),
        ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"),
    ]
    /// Fields with the same name in both.
    static let shared = ["metadata", "eventTime", "series", "reason", "type", "action", "related", "reportingInstance"]

    static func toCoreV1(_ event: JSONValue) -> JSONValue {
        var out: JSONValue = ["apiVersion": "v1", "kind": "Event"]
        for key in shared where !event[key].isNull { out[key] = event[key] }
        for (v1, core) in renamed where !event[v1].isNull { out[core] = event[v1] }
        return out
    }

    static func toEventsV1(_ event: JSONValue) -> JSONValue {
        var out: JSONValue = ["apiVersion": "events.k8s.io/v1", "kind": "Event"]
        for key in shared where !event[key].isNull { out[key] = event[key] }
        for (v1, core) in renamed where !event[core].isNull { out[v1] = event[core] }
        return out
    }
}
