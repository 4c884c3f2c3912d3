#if canImport(Glibc)
import Glibc
#endif

/// The time resolution of a pcapng file's first interface (`if_tsresol`), read from the file's
/// head: libpcap hands out nanoseconds when asked but does not say what the file holds, so
/// `LibpcapReader` would otherwise print a nanosecond file's times cut to microseconds.
enum PcapngResolutionProbe {
    /// Units per second of the first Interface Description Block, microseconds when it has no
    /// `if_tsresol`; nil when the head is not a readable pcapng section.
    static func unitsPerSecond(path: String) -> UInt64? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var head = [UInt8](repeating: 0, count: 1 << 16)
        let count = fread(&head, 1, head.count, file)
        return unitsPerSecond(head: Array(head.prefix(count)))
    }

    /// The same, from the file's first bytes.
    static func unitsPerSecond(head: [UInt8]) -> UInt64? {
        guard head.count >= 28, head[0] == 0x0A, head[1] == 0x0D, head[2] == 0x0D, head[3] == 0x0A else { return nil }
        let little: Bool
        switch (head[8], head[9], head[10], head[11]) {
        case (0x4D, 0x3C, 0x2B, 0x1A): little = true
        case (0x1A, 0x2B, 0x3C, 0x4D): little = false
        default: return nil
        }
        func u32(_ at: Int) -> Int? {
            guard at >= 0, at + 4 <= head.count else { return nil }
            let b = (Int(head[at]), Int(head[at + 1]), Int(head[at + 2]), Int(head[at + 3]))
            return little ? b.0 | b.1 << 8 | b.2 << 16 | b.3 << 24 : b.3 | b.2 << 8 | b.1 << 16 | b.0 << 24
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= head.count else { return nil }
            return little ? Int(head[at]) | Int(head[at + 1]) << 8 : Int(head[at + 1]) | Int(head[at]) << 8
        }
        var offset = 0
        while let type = u32(offset), let length = u32(offset + 4), length >= 12, length % 4 == 0 {
            if type == 1 {
                // Interface Description Block: link type, reserved, snap length, then options.
                var option = offset + 16
                let end = offset + length - 4
                while option + 4 <= end, let code = u16(option), let size = u16(option + 2), code != 0 {
                    if code == 9, size == 1, option + 4 < head.count {
                        return TimestampScale.unitsPerSecond(tsresol: head[option + 4])
                    }
                    option += 4 + (size + 3) / 4 * 4
                }
                return 1_000_000
            }
            if type == 6 || type == 3 || type == 2 { return nil }
            offset += length
        }
        return nil
    }
}
