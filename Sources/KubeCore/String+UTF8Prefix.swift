extension String {
    /// The string unchanged when it fits in `limit` UTF-8 bytes; else its longest prefix on a
    /// character (grapheme cluster) boundary that fits together with `marker`, then `marker`.
    /// Kubernetes counts field limits in bytes; a cut inside a character would make invalid
    /// UTF-8 or split an emoji or a CRLF.
    public func prefix(utf8Bytes limit: Int, marker: String = "") -> String {
        guard utf8.count > limit else { return self }
        let budget = Swift.max(0, limit - marker.utf8.count)
        var end = startIndex
        var used = 0
        for index in indices {
            let next = self.index(after: index)
            let size = utf8.distance(from: index, to: next)
            guard used + size <= budget else { break }
            used += size
            end = next
        }
        return String(self[..<end]) + marker
    }
}
