import ControllerRuntime
import KubeCore
import FluxReport

/// A Flux object as the informer stores keep it.
///
/// Boxed: a store is a dictionary whose capacity runs up to about twice its count, and every spare
/// slot of a dictionary of structs costs the struct's full inline size (~250 bytes for a
/// `FluxObject`). Boxed, a spare slot costs a pointer — about 35 MiB less at 100,000 objects.
/// `@unchecked` only because `StoreKeyed` is a class (a subclass must restate it): the one stored
/// property is a `let` of a `Sendable` value.
public final class CachedFluxObject: StoreKeyed, @unchecked Sendable {
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
        object.typeMeta = interner.intern(object.typeMeta)
        object.sharedNamespace = interner.intern(object.sharedNamespace)
        object.sharedReason = interner.intern(object.sharedReason)
        object.sharedSourceName = interner.intern(object.sharedSourceName)  // many objects name the same source
        object.labelValues = object.labelValues.map { interner.intern($0) }
        return CachedFluxObject(object)
    }

    // MARK: StoreKeyed (the informer store keeps the object under its own `namespace/name`)

    override public var storeKey: String { object.namespace.isEmpty ? object.name : "\(object.namespace)/\(object.name)" }

    override public func hasStoreKey(_ key: String) -> Bool {
        var key = key
        let namespace = object.namespace.utf8
        return key.withUTF8 { key in
            object.withNameUTF8 { name in
                if namespace.isEmpty { return key.elementsEqual(name) }
                guard key.count == namespace.count + 1 + name.count else { return false }
                return key.prefix(namespace.count).elementsEqual(namespace) && key[namespace.count] == UInt8(ascii: "/")
                    && key.suffix(name.count).elementsEqual(name)
            }
        }
    }

    override public func hasSameStoreKey(as other: StoreKeyed) -> Bool {
        guard let other = other as? CachedFluxObject else { return other.hasStoreKey(storeKey) }
        // The names first: they tell most keys apart. Namespaces are interned, usually one storage.
        return object.withNameUTF8 { name in other.object.withNameUTF8 { name.elementsEqual($0) } }
            && object.sharedNamespace == other.object.sharedNamespace
    }

    override public func withStoreKeyName<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        object.withNameUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}
