/// Matching of query values: `*` stands for any run of characters, ASCII letters match either
/// case. Works on UTF-8 bytes without allocating; linear in practice, at worst the product of the
/// two lengths (both bounded).
enum Glob {
    static func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }

    /// `pattern` (lowercased bytes) matches the whole of `text`.
    static func matches(_ pattern: [UInt8], _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { matches(pattern, $0) }
    }

    static func matches(_ pattern: [UInt8], _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var p = 0, t = 0
        var star = -1, resume = 0
        let asterisk = UInt8(ascii: "*")
        while t < text.count {
            if p < pattern.count, pattern[p] == asterisk {
                star = p
                resume = t
                p += 1
            } else if p < pattern.count, pattern[p] == lower(text[t]) {
                p += 1
                t += 1
            } else if star >= 0 {
                p = star + 1
                resume += 1
                t = resume
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == asterisk { p += 1 }
        return p == pattern.count
    }

    /// `needle` (lowercased bytes, non-empty) occurs in `text`.
    static func contains(_ needle: [UInt8], in text: String) -> Bool {
        var text = text
        return text.withUTF8 { buffer in
            guard needle.count <= buffer.count else { return false }
            for start in 0...(buffer.count - needle.count) {
                var k = 0
                while k < needle.count, lower(buffer[start + k]) == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            return false
        }
    }
}
