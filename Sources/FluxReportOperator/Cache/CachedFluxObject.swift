import ControllerRuntime
import KubeCore
import FluxReport

/// A Flux object as the informer stores keep it.
///
/// Boxed: a store is a dictionary whose capacity runs up to about twice its count, and every spare
/// slot of a dictionary of structs costs the struct's full inline size (~250 bytes for a
/// `FluxObject`). Boxed, a spare slot costs a pointer — about 35 MiB less at 100,000 objects.
public final class CachedFluxObject: Sendable {
    public let object: FluxObject

    public init(_ object: FluxObject) { self.object = object }

    /// Projects an object and shares the copies of its low-cardinality strings with other objects.
    static func project(_ json: JSONValue, kind: String, apiVersion: String?, keepLabels: [String], gotkResourceInfo: Bool = false,
                        interner: StringInterner) -> CachedFluxObject {
        intern(FluxObject(json: json, kind: kind, apiVersion: apiVersion, keepLabels: keepLabels, gotkResourceInfo: gotkResourceInfo), interner)
    }

    /// The same for an item of a LIST page.
    static func project(_ json: JSONNode, kind: String, apiVersion: String?, keepLabels: [String], gotkResourceInfo: Bool = false,
                        interner: StringInterner) -> CachedFluxObject {
        intern(FluxObject(json: json, kind: kind, apiVersion: apiVersion, keepLabels: keepLabels, gotkResourceInfo: gotkResourceInfo), interner)
    }

    private static func intern(_ projected: FluxObject, _ interner: StringInterner) -> CachedFluxObject {
        var object = projected
        object.namespace = interner.intern(object.namespace)
        object.reason = interner.intern(object.reason)
        object.ref = interner.intern(object.ref)
        object.sourceName = interner.intern(object.sourceName)  // many objects name the same source
        object.registry = interner.intern(object.registry)
        object.labelValues = object.labelValues.map { interner.intern($0) }
        return CachedFluxObject(object)
    }
}

/// Shares one copy of strings that repeat across objects (namespaces, reasons, branch names):
/// a String longer than 15 bytes is a heap allocation per object otherwise. Only short strings
/// are interned, so the table stays small even when a field turns out to be unique per object.
final class StringInterner: Sendable {
    private let table = LockedState<Set<String>>([])
    private let maxLength = 64
    private let maxEntries = 50_000

    func intern(_ value: String) -> String {
        guard value.utf8.count > 15, value.utf8.count <= maxLength else { return value }  // ≤ 15 bytes are stored inline
        return table.withLock { table in
            if let existing = table.firstIndex(of: value).map({ table[$0] }) { return existing }
            if table.count < maxEntries { table.insert(value) }
            return value
        }
    }
}

/// A kind's `KindAggregate`, kept by its informer's store in step with the cached objects, so
/// a report reads the aggregate instead of scanning the objects.
struct KindIndex: StoreIndex {
    var aggregate: KindAggregate

    mutating func add(_ object: CachedFluxObject) { aggregate.add(object.object) }
    mutating func remove(_ object: CachedFluxObject) { aggregate.remove(object.object) }
    mutating func reset() { aggregate = KindAggregate(staleFactor: aggregate.staleFactor) }
    /// Sorted once, not object by object: one insertion into the sorted deadlines moves half of
    /// them, so a relist of k objects cost k²/4 entry moves (minutes at a million objects).
    mutating func rebuild(from objects: some Collection<CachedFluxObject>) {
        aggregate = KindAggregate(objects: objects.lazy.map(\.object), staleFactor: aggregate.staleFactor)
    }
}
