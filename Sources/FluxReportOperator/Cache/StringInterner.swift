import ControllerRuntime
import KubeCore

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
