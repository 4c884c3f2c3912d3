#if canImport(Glibc)
import Glibc
#endif

extension UnsafeRawBufferPointer {
    /// Byte-wise substring search (see `String.containsBytes`).
    func containsBytes(_ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { n in
            guard !n.isEmpty else { return true }
            guard count >= n.count, let hb = baseAddress, let nb = n.baseAddress else { return false }
            // memchr finds each candidate first byte, memcmp checks the rest (glibc's memmem
            // is a GNU extension the Swift module does not export).
            let first = Int32(n[0])
            let lastStart = count - n.count
            var offset = 0
            while offset <= lastStart {
                guard let hit = memchr(hb + offset, first, lastStart - offset + 1) else { return false }
                let position = UnsafeRawPointer(hit) - hb
                if memcmp(hb + position, nb, n.count) == 0 { return true }
                offset = position + 1
            }
            return false
        }
    }
}

extension String {
    /// Byte-wise substring search over UTF-8: the SQL rules look for table names
    /// in a hundred thousand statements, and the generic `contains` (Foundation's, once any
    /// module loads it) costs a tenth of a 2 GB analysis.
    func containsBytes(_ needle: String) -> Bool {
        var haystack = self
        return haystack.withUTF8 { UnsafeRawBufferPointer($0).containsBytes(needle) }
    }
}
