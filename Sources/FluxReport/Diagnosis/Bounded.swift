/// The first `limit` elements of a list and how many more there were ("N more").
public struct Bounded<Element: Sendable>: Sendable {
    public var items: [Element]
    /// Elements left out.
    public var more: Int

    public init(items: [Element] = [], more: Int = 0) {
        self.items = items
        self.more = more
    }

    /// Keeps the first `limit` of `all`, counting the rest.
    public init(_ all: some Sequence<Element>, limit: Int) {
        var items: [Element] = []
        var more = 0
        let cap = max(0, limit)
        for element in all {
            if items.count < cap { items.append(element) } else { more += 1 }
        }
        self.items = items
        self.more = more
    }

    /// The first `limit` of the shown elements, the rest counted with those already left out.
    public func prefix(_ limit: Int) -> Bounded {
        let cap = max(0, limit)
        guard items.count > cap else { return self }
        return Bounded(items: Array(items.prefix(cap)), more: more + items.count - cap)
    }

    /// Every element, shown or not.
    public var total: Int { items.count + more }
    public var isEmpty: Bool { total == 0 }
}

extension Bounded: Equatable where Element: Equatable {}
