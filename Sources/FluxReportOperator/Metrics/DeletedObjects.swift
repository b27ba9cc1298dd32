import Foundation

/// Recently deleted objects, at most `limit`, oldest evicted first — in O(1) amortized per event:
/// a mass deletion (a CRD removed, a namespace emptied) runs under the informer's lock, so a scan
/// of every remembered object per deletion would stall the informer quadratically.
///
/// `order` is insertion order with a sequence number per insertion; an entry whose key was removed
/// or deleted again since is stale and skipped. Deletion times come from `Date()` in event order,
/// so insertion order is age order.
struct DeletedObjects: Sendable {
    private var byKey: [String: (object: DeletedObject, seq: UInt64)] = [:]
    private var order: [(key: String, seq: UInt64)] = []
    private var head = 0
    private var nextSeq: UInt64 = 0
    let limit: Int

    init(limit: Int) { self.limit = max(1, limit) }

    var count: Int { byKey.count }
    var current: [DeletedObject] { byKey.values.map { $0.object } }

    mutating func insert(_ key: String, _ object: DeletedObject) {
        nextSeq &+= 1
        byKey[key] = (object, nextSeq)
        order.append((key, nextSeq))
        while byKey.count > limit, let oldest = popOldest() { byKey.removeValue(forKey: oldest) }
        compactIfSparse()
    }

    mutating func remove(_ key: String) {
        byKey.removeValue(forKey: key)
        compactIfSparse()
    }

    /// Drops the objects deleted before `cutoff`.
    mutating func expire(before cutoff: Date) {
        while head < order.count {
            let entry = order[head]
            if let live = byKey[entry.key], live.seq == entry.seq {
                guard live.object.at < cutoff else { break }
                byKey.removeValue(forKey: entry.key)
            }
            head += 1
        }
        compactIfSparse()
    }

    /// The key of the oldest live entry, removed from `order`.
    private mutating func popOldest() -> String? {
        while head < order.count {
            let entry = order[head]
            head += 1
            if byKey[entry.key]?.seq == entry.seq { return entry.key }
        }
        return nil
    }

    /// Keeps `order` within twice the live entries (plus slack): stale entries are dropped in one
    /// pass whose cost the insertions since the last pass paid for.
    private mutating func compactIfSparse() {
        guard order.count - head > 2 * byKey.count + 64 || head > order.count / 2 + 64 else { return }
        order = order[head...].filter { byKey[$0.key]?.seq == $0.seq }
        head = 0
    }
}
