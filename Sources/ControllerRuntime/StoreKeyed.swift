/// An object a `Store` keeps under its own key, so the store keeps no key string of its own for it
/// (a `namespace/name` string is a heap block of about 64 bytes per cached object).
///
/// The store hashes a key by its name part (the bytes after the last "/"), so the object hands out
/// its name's bytes in place and compares whole keys without making them.
///
/// A class rather than a protocol: a reference to it is one word, so the store's key is one word
/// too (a protocol existential is two, which made every slot of the store's dictionary 32 bytes
/// instead of 16). The base class has no state; a subclass is `Sendable` only if it is (as the
/// store's objects must be), and one that overrides nothing is kept under the text of its key.
open class StoreKeyed: @unchecked Sendable {
    public init() {}

    /// The key informers give the object: `namespace/name`, or `name` for a cluster-scoped object
    /// (`objectKey`). Made at each read.
    open var storeKey: String { "" }

    /// Whether `storeKey` equals `key`.
    open func hasStoreKey(_ key: String) -> Bool { false }

    /// Whether `other` has the same `storeKey`. The store's dictionary compares keys at every slot it
    /// probes: a subclass compares in place, without making either key.
    open func hasSameStoreKey(as other: StoreKeyed) -> Bool { other.hasStoreKey(storeKey) }

    /// Runs `body` on the UTF-8 bytes of the key's name part.
    open func withStoreKeyName<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        var key = storeKey
        return key.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}

/// A `Store`'s dictionary key: the key's text, or the object itself when it is `StoreKeyed` (equal
/// when they name the same key, with the same hash). One word: both cases are class references.
struct StoreKey: Hashable, Sendable {
    /// A key's text, boxed so that the key stays one word (lookups by text make one).
    final class Text: Sendable {
        let key: String
        init(_ key: String) { self.key = key }
    }

    private enum Storage: Sendable {
        case text(Text)
        case object(StoreKeyed)
    }

    private let storage: Storage

    private init(_ storage: Storage) { self.storage = storage }

    static func text(_ key: String) -> StoreKey { StoreKey(.text(Text(key))) }

    /// The key for `object` stored under `key`: the object itself when it can stand for its key.
    static func stored(_ key: String, _ object: some Sendable) -> StoreKey {
        if let keyed = object as? StoreKeyed, keyed.hasStoreKey(key) { return StoreKey(.object(keyed)) }
        return .text(key)
    }

    /// Whether the object stands for its key (else the key's text is kept).
    var isObject: Bool {
        if case .object = storage { return true }
        return false
    }

    var text: String {
        switch storage {
        case .text(let text): text.key
        case .object(let object): object.storeKey
        }
    }

    func hash(into hasher: inout Hasher) {
        switch storage {
        case .text(let text):
            var key = text.key
            key.withUTF8 { Self.hashLastSegment(UnsafeRawBufferPointer($0), into: &hasher) }
        case .object(let object):
            object.withStoreKeyName { Self.hashLastSegment($0, into: &hasher) }
        }
    }

    /// Hashes what follows the last "/": the same bytes for a key and for its name part, whatever the name holds.
    private static func hashLastSegment(_ bytes: UnsafeRawBufferPointer, into hasher: inout Hasher) {
        let start = bytes.lastIndex(of: UInt8(ascii: "/")).map { $0 + 1 } ?? 0
        hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes[start...]))
    }

    static func == (lhs: StoreKey, rhs: StoreKey) -> Bool {
        switch (lhs.storage, rhs.storage) {
        case let (.text(l), .text(r)): l === r || l.key == r.key
        case let (.text(text), .object(object)), let (.object(object), .text(text)): object.hasStoreKey(text.key)
        case let (.object(l), .object(r)): l === r || l.hasSameStoreKey(as: r)
        }
    }
}
