/// Values kept under a byte budget, dropped least recently touched first: the accounting of
/// `ObjectSeriesCache`'s kept buckets. Each value is kept with the bytes it is charged (its
/// caller's estimate) and the latest epoch it was touched in (a lookup or an insertion; the cache's
/// epoch counts its snapshots, one per collector and scrape). After every insertion the charged
/// total is at most `budget`.
///
/// An insertion makes room by dropping the least recently touched values, but only values last
/// touched in an earlier epoch than its own: when those do not free enough, the new value is not
/// kept (nor anything dropped). A scrape visits every bucket in the same order, which under plain
/// LRU would drop, once the budget is short, each bucket just before it is needed again (nothing
/// would ever be reused); this way the buckets that fit stay and are reused at every scrape, and
/// only the rest is rendered again. A value charged more than the whole budget is never kept (with
/// a budget of 0, nothing is). A lookup or a removal is O(1); an insertion looks at the oldest values
/// it could drop, at most until it has room; `removeAll(where:)` looks at every value.
struct ByteBudgetLRU<Key: Hashable, Value> {
    /// A kept value in the recency list: `older`/`newer` are node indices, -1 at the ends.
    fileprivate struct Node {
        var key: Key
        var value: Value?
        var bytes: Int
        var epoch: UInt64
        var older: Int
        var newer: Int
    }

    let budget: Int
    /// The bytes charged for the values kept now.
    private(set) var bytes = 0
    /// Values dropped to make room, or not kept for want of it (a replacement or a `remove` does
    /// not count).
    private(set) var evictions: UInt64 = 0
    private var nodes: [Node] = []
    private var free: [Int] = []
    private var index: [Key: Int] = [:]
    private var oldest = -1
    private var newest = -1

    /// A negative budget counts as 0.
    init(budget: Int) { self.budget = max(0, budget) }

    var count: Int { index.count }

    /// The keys, least recently touched first.
    var keysByRecency: [Key] {
        var keys: [Key] = []
        keys.reserveCapacity(index.count)
        var node = oldest
        while node >= 0 {
            keys.append(nodes[node].key)
            node = nodes[node].newer
        }
        return keys
    }

    /// The value kept for `key`, now the most recently touched, in `epoch` (or the later one it was
    /// touched in).
    mutating func value(for key: Key, epoch: UInt64) -> Value? {
        guard let node = index[key] else { return nil }
        unlink(node)
        link(node)
        nodes[node].epoch = max(nodes[node].epoch, epoch)
        return nodes[node].value
    }

    /// Keeps `value` for `key` (replacing what was kept) as the most recently touched, charged
    /// `bytes`, when dropping the least recently touched values of epochs before `epoch` makes room.
    /// Returns whether it is kept; the value it replaces goes either way.
    @discardableResult
    mutating func insert(_ value: Value, for key: Key, bytes: Int, epoch: UInt64) -> Bool {
        remove(key)
        let charged = max(0, bytes)
        guard charged <= budget else {
            evictions &+= 1
            return false
        }
        // The oldest values that make room, if they may go.
        var freed = 0
        var dropped = 0
        var node = oldest
        while self.bytes - freed > budget - charged {
            guard node >= 0, nodes[node].epoch < epoch else {
                evictions &+= 1
                return false
            }
            freed += nodes[node].bytes
            dropped += 1
            node = nodes[node].newer
        }
        for _ in 0..<dropped { release(oldest) }
        evictions &+= UInt64(dropped)
        let kept: Int
        if let reused = free.popLast() {
            kept = reused
            nodes[kept] = Node(key: key, value: value, bytes: charged, epoch: epoch, older: -1, newer: -1)
        } else {
            kept = nodes.count
            nodes.append(Node(key: key, value: value, bytes: charged, epoch: epoch, older: -1, newer: -1))
        }
        index[key] = kept
        link(kept)
        self.bytes += charged
        return true
    }

    /// Drops the value kept for `key`, if any.
    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let node = index[key] else { return nil }
        let value = nodes[node].value
        release(node)
        return value
    }

    mutating func removeAll(where shouldRemove: (Key) -> Bool) {
        for (key, node) in index where shouldRemove(key) { release(node) }
    }

    mutating func removeAll() {
        nodes.removeAll()
        free.removeAll()
        index.removeAll()
        oldest = -1
        newest = -1
        bytes = 0
    }

    private mutating func release(_ node: Int) {
        unlink(node)
        index[nodes[node].key] = nil
        bytes -= nodes[node].bytes
        nodes[node].value = nil
        nodes[node].bytes = 0
        free.append(node)
    }

    /// Appends `node` at the newest end.
    private mutating func link(_ node: Int) {
        nodes[node].older = newest
        nodes[node].newer = -1
        if newest >= 0 { nodes[newest].newer = node } else { oldest = node }
        newest = node
    }

    private mutating func unlink(_ node: Int) {
        let (older, newer) = (nodes[node].older, nodes[node].newer)
        if older >= 0 { nodes[older].newer = newer } else { oldest = newer }
        if newer >= 0 { nodes[newer].older = older } else { newest = older }
        nodes[node].older = -1
        nodes[node].newer = -1
    }
}

extension ByteBudgetLRU: Sendable where Key: Sendable, Value: Sendable {}
extension ByteBudgetLRU.Node: Sendable where Key: Sendable, Value: Sendable {}
