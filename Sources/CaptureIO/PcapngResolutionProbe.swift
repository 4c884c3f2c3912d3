#if canImport(Glibc)
import Glibc
#endif

/// The time resolution of a pcapng file's first interface (`if_tsresol`), read from the file's
/// head: libpcap hands out nanoseconds when asked but does not say what the file holds, so
/// `LibpcapReader` would otherwise print a nanosecond file's times cut to microseconds.
enum PcapngResolutionProbe {
    /// What a head of the input says so far.
    enum Reading: Equatable {
        /// Units per second of the first interface; nil when the head is not a readable pcapng
        /// section or a packet block comes before any interface.
        case unitsPerSecond(UInt64?)
        /// The head ends before the walk does: at least this many bytes are needed to go on.
        case needs(Int)
    }

    /// Units per second of the first Interface Description Block, microseconds when it has no
    /// `if_tsresol`; nil when the head is not a readable pcapng section.
    static func unitsPerSecond(path: String) -> UInt64? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var head = [UInt8](repeating: 0, count: 1 << 16)
        let count = fread(&head, 1, head.count, file)
        return unitsPerSecond(head: Array(head.prefix(count)))
    }

    /// The same, from the file's first bytes (nil when they end inside the first interface block).
    static func unitsPerSecond(head: [UInt8]) -> UInt64? {
        if case .unitsPerSecond(let units) = read(head) { return units }
        return nil
    }

    /// Walks the blocks of `head` up to the end of the first Interface Description Block.
    ///
    /// The one walk for a file's head and a pipe's: `StreamRelay` reads a pipe until this stops
    /// asking for more, so it never waits for bytes past the first interface.
    static func read(_ head: [UInt8]) -> Reading {
        let magic: [UInt8] = [0x0A, 0x0D, 0x0D, 0x0A]
        guard head.count >= 4 else { return head.elementsEqual(magic.prefix(head.count)) ? .needs(4) : .unitsPerSecond(nil) }
        guard head.starts(with: magic) else { return .unitsPerSecond(nil) }
        guard head.count >= 12 else { return .needs(12) }
        let little: Bool
        switch (head[8], head[9], head[10], head[11]) {
        case (0x4D, 0x3C, 0x2B, 0x1A): little = true
        case (0x1A, 0x2B, 0x3C, 0x4D): little = false
        default: return .unitsPerSecond(nil)
        }
        func u32(_ at: Int) -> Int {
            let b = (Int(head[at]), Int(head[at + 1]), Int(head[at + 2]), Int(head[at + 3]))
            return little ? b.0 | b.1 << 8 | b.2 << 16 | b.3 << 24 : b.3 | b.2 << 8 | b.1 << 16 | b.0 << 24
        }
        func u16(_ at: Int) -> Int {
            little ? Int(head[at]) | Int(head[at + 1]) << 8 : Int(head[at + 1]) | Int(head[at]) << 8
        }
        var offset = 0
        while true {
            guard head.count >= offset + 8 else { return .needs(offset + 8) }
            let type = u32(offset), length = u32(offset + 4)
            guard length >= 12, length % 4 == 0 else { return .unitsPerSecond(nil) }
            if type == 6 || type == 3 || type == 2 { return .unitsPerSecond(nil) }
            guard type == 1 else {
                offset += length
                continue
            }
            guard head.count >= offset + length else { return .needs(offset + length) }
            // Interface Description Block: link type, reserved, snap length, then options.
            var option = offset + 16
            let end = offset + length - 4
            while option + 4 <= end {
                let code = u16(option), size = u16(option + 2)
                if code == 0 { break }
                if code == 9, size == 1, option + 4 < end {
                    return .unitsPerSecond(TimestampScale.unitsPerSecond(tsresol: head[option + 4]))
                }
                option += 4 + (size + 3) / 4 * 4
            }
            return .unitsPerSecond(1_000_000)
        }
    }
}
