import ControllerRuntime
import FluxReport
import KubeCore

/// Shares one copy of strings that repeat across objects (namespaces, reasons, branch names):
/// a String longer than 15 bytes is a heap allocation per object otherwise. Only short strings
/// are interned, so the table stays small even when a field turns out to be unique per object.
/// Objects' `SharedString`s (namespaces, reasons, source names, of any length up to `maxLength`)
/// and `TypeMeta`s (one per kind and apiVersion) too.
final class StringInterner: Sendable {
    private let table = LockedState<Set<String>>([])
    private let types = LockedState<Set<TypeMeta>>([])
    private let maxLength = 64
    private let maxEntries = 50_000
    /// Kinds times their served versions: a few dozen in a cluster; the bound only matters to objects
    /// that say another apiVersion than the one they were listed with.
    private let maxTypes = 1_024

    private let shared = LockedState<Set<SharedString>>([])

    /// The one copy of `value` the cache's objects share (up to `maxEntries` strings of at most
    /// `maxLength` bytes; past that an object keeps its own).
    func intern(_ value: SharedString) -> SharedString {
        guard !value.value.isEmpty, value.value.utf8.count <= maxLength else { return value }
        return Self.share(value, in: shared, upTo: maxEntries)
    }

    func intern(_ meta: TypeMeta) -> TypeMeta {
        Self.share(meta, in: types, upTo: maxTypes)
    }

    func intern(_ value: String) -> String {
        guard value.utf8.count > 15, value.utf8.count <= maxLength else { return value }  // ≤ 15 bytes are stored inline
        return Self.share(value, in: table, upTo: maxEntries)
    }

    /// The copy of `value` already in `table`, else `value`, kept for the next caller while the
    /// table holds fewer than `limit`.
    private static func share<Value: Hashable & Sendable>(_ value: Value, in table: LockedState<Set<Value>>, upTo limit: Int) -> Value {
        table.withLock { table in
            if let existing = table.firstIndex(of: value).map({ table[$0] }) { return existing }
            if table.count < limit { table.insert(value) }
            return value
        }
    }
}
