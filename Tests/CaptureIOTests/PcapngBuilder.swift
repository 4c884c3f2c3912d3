/// Writes pcapng files block by block, for cases no tool writes on demand: power-of-two
/// `if_tsresol`, `if_tsoffset`, obsolete Packet Blocks, sections of both byte orders.
/// Written straight from the pcapng specification, independently of the reader.
struct PcapngBuilder {
    private(set) var bytes: [UInt8] = []
    private var bigEndian = false

    private func encode16(_ v: UInt16) -> [UInt8] {
        bigEndian ? [UInt8(v >> 8), UInt8(v & 0xff)] : [UInt8(v & 0xff), UInt8(v >> 8)]
    }

    private func encode32(_ v: UInt32) -> [UInt8] {
        let le = [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
        return bigEndian ? le.reversed() : le
    }

    private func encode64(_ v: UInt64) -> [UInt8] {
        let le = (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xff) }
        return bigEndian ? le.reversed() : le
    }

    private static func padded(_ b: [UInt8]) -> [UInt8] { b + [UInt8](repeating: 0, count: (4 - b.count % 4) % 4) }

    private func option(_ code: UInt16, _ value: [UInt8]) -> [UInt8] {
        encode16(code) + encode16(UInt16(value.count)) + PcapngBuilder.padded(value)
    }

    private func endOfOptions() -> [UInt8] { [0, 0, 0, 0] }

    /// Appends a block; returns its offset.
    @discardableResult
    mutating func block(_ type: UInt32, _ body: [UInt8]) -> Int {
        let offset = bytes.count
        let body = PcapngBuilder.padded(body)
        let length = UInt32(12 + body.count)
        bytes += encode32(type) + encode32(length) + body + encode32(length)
        return offset
    }

    mutating func section(bigEndian: Bool) {
        self.bigEndian = bigEndian
        // Byte-order magic, version 1.0, section length unknown (-1).
        block(0x0A0D_0D0A, encode32(0x1A2B_3C4D) + encode16(1) + encode16(0) + encode64(UInt64.max))
    }

    mutating func interface(linkType: UInt16, snapLength: UInt32, tsresol: UInt8? = nil, tsoffset: Int64? = nil,
                            name: String? = nil) {
        var body = encode16(linkType) + encode16(0) + encode32(snapLength)
        if let name { body += option(2, Array(name.utf8)) }
        if let tsresol { body += option(9, [tsresol]) }
        if let tsoffset { body += option(14, encode64(UInt64(bitPattern: tsoffset))) }
        if tsresol != nil || tsoffset != nil || name != nil { body += endOfOptions() }
        block(1, body)
    }

    mutating func enhancedPacket(interface: UInt32, timestamp: UInt64, data: [UInt8], originalLength: Int? = nil) {
        let body = encode32(interface) + encode32(UInt32(timestamp >> 32)) + encode32(UInt32(timestamp & 0xffff_ffff))
            + encode32(UInt32(data.count)) + encode32(UInt32(originalLength ?? data.count)) + PcapngBuilder.padded(data)
        block(6, body)
    }

    mutating func obsoletePacket(interface: UInt16, timestamp: UInt64, data: [UInt8]) {
        let body = encode16(interface) + encode16(0) + encode32(UInt32(timestamp >> 32))
            + encode32(UInt32(timestamp & 0xffff_ffff)) + encode32(UInt32(data.count)) + encode32(UInt32(data.count))
            + PcapngBuilder.padded(data)
        block(2, body)
    }

    /// `data` is what the block holds; `originalLength` may be larger (snaplen cut).
    mutating func simplePacket(data: [UInt8], originalLength: Int) {
        block(3, encode32(UInt32(originalLength)) + PcapngBuilder.padded(data))
    }

    mutating func secrets(type: UInt32, _ data: [UInt8]) {
        block(0x0A, encode32(type) + encode32(UInt32(data.count)) + PcapngBuilder.padded(data))
    }

    /// A Name Resolution Block with one IPv4 record.
    mutating func nameResolution() {
        let record = [UInt8](arrayLiteral: 192, 0, 2, 1) + Array("host.example\0".utf8)
        block(4, encode16(1) + encode16(UInt16(record.count)) + PcapngBuilder.padded(record) + encode32(0))
    }

    mutating func statistics(interface: UInt32) {
        block(5, encode32(interface) + encode32(0) + encode32(0))
    }

    /// An Interface Statistics Block with the counters given (`isb_ifrecv` 4, `isb_ifdrop` 5,
    /// `isb_filteraccept` 6, `isb_osdrop` 7, `isb_usrdeliv` 8), each a 64-bit option.
    mutating func statistics(interface: UInt32, timestamp: UInt64, counters: [(code: UInt16, value: UInt64)]) {
        var body = encode32(interface) + encode32(UInt32(timestamp >> 32)) + encode32(UInt32(timestamp & 0xffff_ffff))
        for counter in counters { body += option(counter.code, encode64(counter.value)) }
        if !counters.isEmpty { body += endOfOptions() }
        block(5, body)
    }

    /// A custom block (copiable), private enterprise number 32473 (the documentation PEN).
    mutating func custom(_ payload: [UInt8]) {
        block(0xBAD, encode32(32473) + payload)
    }

    /// A well-formed Ethernet frame of `length` bytes whose content depends on `seed`.
    static func frame(_ length: Int, seed: UInt8) -> [UInt8] {
        var f = [UInt8](repeating: 0, count: length)
        for i in 0..<length { f[i] = UInt8(truncatingIfNeeded: i &* 31 &+ Int(seed)) }
        if length >= 14 { f[12] = 0x08; f[13] = 0x00 }
        return f
    }
}
