/// Where the records (pcap) or blocks (pcapng) of a well-formed file start and end, found by a
/// walk written here from the format specifications, independently of the reader.
struct CaptureLayout {
    struct Unit {
        var start: Int
        var end: Int
        var isPacket: Bool
    }

    /// The file header (pcap) or first SHB (pcapng) comes first; then every record or block.
    var units: [Unit] = []

    init?(_ bytes: [UInt8]) {
        guard bytes.count >= 24 else { return nil }
        func u32(_ at: Int, big: Bool) -> Int {
            let b = bytes[at..<at + 4]
            return big ? b.reduce(0) { $0 << 8 | Int($1) } : b.reversed().reduce(0) { $0 << 8 | Int($1) }
        }
        if bytes[0] == 0x0a && bytes[1] == 0x0d && bytes[2] == 0x0d && bytes[3] == 0x0a {
            var offset = 0
            var big = false
            while offset + 12 <= bytes.count {
                if u32(offset, big: true) == 0x0A0D_0D0A { big = u32(offset + 8, big: true) == 0x1A2B_3C4D }
                let type = u32(offset, big: big), length = u32(offset + 4, big: big)
                guard length >= 12, offset + length <= bytes.count else { return nil }
                units.append(Unit(start: offset, end: offset + length, isPacket: [2, 3, 6].contains(type)))
                offset += length
            }
            guard offset == bytes.count else { return nil }
        } else {
            let big = bytes[0] == 0xa1
            let headerLength = (bytes[2] == 0xcd || bytes[1] == 0xcd) ? 24 : 16
            units.append(Unit(start: 0, end: 24, isPacket: false))
            var offset = 24
            while offset + headerLength <= bytes.count {
                let end = offset + headerLength + u32(offset + 8, big: big)
                guard end <= bytes.count else { return nil }
                units.append(Unit(start: offset, end: end, isPacket: true))
                offset = end
            }
            guard offset == bytes.count else { return nil }
        }
    }

    /// The first `count` units (the header included) as a file of their own.
    func prefix(_ bytes: [UInt8], units count: Int) -> [UInt8] {
        Array(bytes.prefix(units[min(count, units.count) - 1].end))
    }
}
