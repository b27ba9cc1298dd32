/// An object a `Store` keeps under its own key, so the store keeps no key string of its own for it
/// (a `namespace/name` string is a heap block of about 64 bytes per cached object).
///
/// The store hashes a key by its name part (the bytes after the last "/"), so the object hands out
/// its name's bytes in place and compares whole keys without making them.
public protocol StoreKeyed: AnyObject, Sendable {
    /// The key informers give the object: `namespace/name`, or `name` for a cluster-scoped object
    /// (`objectKey`). Made at each read.
    var storeKey: String { get }
    /// Whether `storeKey` equals `key`.
    func hasStoreKey(_ key: String) -> Bool
    /// Runs `body` on the UTF-8 bytes of the key's name part.
    func withStoreKeyName<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

/// A `Store`'s dictionary key: the key's text, or the object itself when it is `StoreKeyed` (equal
/// when they name the same key, with the same hash).
enum StoreKey: Hashable, Sendable {
    case text(String)
    case object(any StoreKeyed)

    /// The key for `object` stored under `key`: the object itself when it can stand for its key.
    static func stored(_ key: String, _ object: some Sendable) -> StoreKey {
        if let keyed = object as? any StoreKeyed, keyed.hasStoreKey(key) { return .object(keyed) }
        return .text(key)
    }

    var text: String {
        switch self {
        case .text(let key): key
        case .object(let object): object.storeKey
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .text(var key): key.withUTF8 { Self.hashLastSegment(UnsafeRawBufferPointer($0), into: &hasher) }
        case .object(let object): object.withStoreKeyName { Self.hashLastSegment($0, into: &hasher) }
        }
    }

    /// Hashes what follows the last "/": the same bytes for a key and for its name part, whatever the name holds.
    private static func hashLastSegment(_ bytes: UnsafeRawBufferPointer, into hasher: inout Hasher) {
        let start = bytes.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
        hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes[start...]))
    }

    static func == (lhs: StoreKey, rhs: StoreKey) -> Bool {
        switch (lhs, rhs) {
        case let (.text(l), .text(r)): l == r
        case let (.text(key), .object(object)), let (.object(object), .text(key)): object.hasStoreKey(key)
        case let (.object(l), .object(r)): l === r || l.hasStoreKey(r.storeKey)
        }
    }
}
