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
        object.sourceName = interner.intern(object.sourceName)  // many objects name the same source
        object.labelValues = object.labelValues.map { interner.intern($0) }
        return CachedFluxObject(object)
    }
}
