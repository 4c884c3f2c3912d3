#if canImport(Glibc)
import Glibc
#endif

extension UnsafeRawBufferPointer {
    /// Byte-wise substring search (see `String.containsBytes`).
    package func containsBytes(_ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { n in
            guard !n.isEmpty else { return true }
            guard count >= n.count, let hb = baseAddress, let nb = n.baseAddress else { return false }
            // memchr finds each candidate anchor byte, memcmp checks the whole needle (glibc's
            // memmem is a GNU extension the Swift module does not export). The anchor is the
            // needle's first byte that is not a letter or digit ("-" of an image id, "." of
            // "images.", "_" of "image_properties"): rare in SQL text, where a letter anchor
            // would stop memchr every few bytes.
            let anchor = n.firstIndex { !(($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7a) && !(0x30...0x39).contains($0) } ?? 0
            let anchorByte = Int32(n[anchor])
            let lastStart = count - n.count
            var offset = anchor
            while offset <= lastStart &+ anchor {
                guard let hit = memchr(hb + offset, anchorByte, lastStart &+ anchor &- offset &+ 1) else { return false }
                let position = UnsafeRawPointer(hit) - hb
                if memcmp(hb + (position &- anchor), nb, n.count) == 0 { return true }
                offset = position &+ 1
            }
            return false
        }
    }
}

extension String {
    /// Byte-wise substring search over UTF-8: the SQL rules look for table names
    /// in a hundred thousand statements, and the generic `contains` (Foundation's, once any
    /// module loads it) costs a tenth of a 2 GB analysis.
    package func containsBytes(_ needle: String) -> Bool {
        var haystack = self
        return haystack.withUTF8 { UnsafeRawBufferPointer($0).containsBytes(needle) }
    }
}
