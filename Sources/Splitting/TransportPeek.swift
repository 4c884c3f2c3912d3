import CaptureIO

/// The transport header fields the splitter needs, peeked without a full decode.
///
/// A deliberately small reader (link layer, IPv4/IPv6, TCP/UDP header) for the port
/// selection, the connection-aware cut and slimming: no fragment reassembly (a non-first
/// fragment has no ports and is treated as "not TCP/UDP"), no checksum checks. Every read
/// is bounds-checked against the captured bytes.
struct TransportPeek {
    enum Transport { case tcp, udp }

    var transport: Transport
    var source: PeekEndpoint
    var destination: PeekEndpoint
    var sequenceNumber: UInt32 = 0
    var acknowledgementNumber: UInt32 = 0
    /// TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10).
    var flags: UInt8 = 0
    /// Offset of the first payload byte in the captured bytes.
    var payloadOffset: Int
    /// Payload length according to the IP header (may exceed what was captured).
    var payloadLength: Int

    var isSYN: Bool { flags & 0x02 != 0 }
    var isFIN: Bool { flags & 0x01 != 0 }
    var isRST: Bool { flags & 0x04 != 0 }
    var isACK: Bool { flags & 0x10 != 0 }

    /// Peeks at a record; nil when it is not an unfragmented (or first-fragment) TCP or UDP packet.
    static func peek(_ bytes: UnsafeRawBufferPointer, linkType: LinkType) -> TransportPeek? {
        var offset = 0
        var etherType: UInt16 = 0
        switch linkType.rawValue {
        case 1: // Ethernet, with any number of 802.1Q / 802.1ad tags
            guard let type = bytes.be16(12) else { return nil }
            etherType = type
            offset = 14
            while etherType == 0x8100 || etherType == 0x88a8 {
                guard let inner = bytes.be16(offset + 2) else { return nil }
                etherType = inner
                offset += 4
            }
        case 113: // Linux cooked (SLL): protocol at 14
            guard let type = bytes.be16(14) else { return nil }
            etherType = type
            offset = 16
        case 276: // SLL2: protocol at 0
            guard let type = bytes.be16(0) else { return nil }
            etherType = type
            offset = 20
        case 0, 108: // BSD loopback: 4-byte address family in host or network order
            guard bytes.count >= 4 else { return nil }
            let family = bytes[0] != 0 ? UInt32(bytes[0]) : UInt32(bytes[3])
            etherType = family == 2 ? 0x0800 : (family == 24 || family == 28 || family == 30) ? 0x86dd : 0
            offset = 4
        case 101, 12, 14: // raw IP: version nibble decides
            guard bytes.count > 0 else { return nil }
            etherType = bytes[0] >> 4 == 6 ? 0x86dd : 0x0800
        case 228: etherType = 0x0800
        case 229: etherType = 0x86dd
        default: return nil
        }
        switch etherType {
        case 0x0800: return peekIPv4(bytes, offset)
        case 0x86dd: return peekIPv6(bytes, offset)
        default: return nil
        }
    }

    private static func peekIPv4(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> TransportPeek? {
        guard bytes.count >= start + 20, bytes[start] >> 4 == 4 else { return nil }
        let headerLength = Int(bytes[start] & 0x0f) * 4
        guard headerLength >= 20, let total = bytes.be16(start + 2), let fragment = bytes.be16(start + 6),
              let source = bytes.be32(start + 12), let destination = bytes.be32(start + 16) else { return nil }
        // A non-first fragment carries no transport header.
        guard fragment & 0x1fff == 0 else { return nil }
        let protocolNumber = bytes[start + 9]
        let payloadLength = Int(total) - headerLength
        guard payloadLength >= 0 else { return nil }
        return peekTransport(bytes, start + headerLength, protocolNumber: protocolNumber, length: payloadLength,
                             source: PeekAddress(ipv4: source), destination: PeekAddress(ipv4: destination))
    }

    private static func peekIPv6(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> TransportPeek? {
        guard bytes.count >= start + 40, bytes[start] >> 4 == 6, let payload = bytes.be16(start + 4),
              let sh = bytes.be64(start + 8), let sl = bytes.be64(start + 16),
              let dh = bytes.be64(start + 24), let dl = bytes.be64(start + 32) else { return nil }
        var next = bytes[start + 6]
        var offset = start + 40
        var remaining = Int(payload)
        // Skip hop-by-hop, routing and destination options; stop at a non-first fragment.
        for _ in 0..<8 {
            switch next {
            case 0, 43, 60:
                guard bytes.count >= offset + 2 else { return nil }
                let length = (Int(bytes[offset + 1]) + 1) * 8
                next = bytes[offset]
                offset += length
                remaining -= length
            case 44:
                guard let fragment = bytes.be16(offset + 2), fragment & 0xfff8 == 0 else { return nil }
                next = bytes[offset]
                offset += 8
                remaining -= 8
            default:
                guard remaining >= 0 else { return nil }
                return peekTransport(bytes, offset, protocolNumber: next, length: remaining,
                                     source: PeekAddress(high: sh, low: sl), destination: PeekAddress(high: dh, low: dl))
            }
        }
        return nil
    }

    private static func peekTransport(_ bytes: UnsafeRawBufferPointer, _ start: Int, protocolNumber: UInt8, length: Int,
                                      source: PeekAddress, destination: PeekAddress) -> TransportPeek? {
        guard let sourcePort = bytes.be16(start), let destinationPort = bytes.be16(start + 2) else { return nil }
        let from = PeekEndpoint(address: source, port: sourcePort)
        let to = PeekEndpoint(address: destination, port: destinationPort)
        switch protocolNumber {
        case 6:
            guard let sequence = bytes.be32(start + 4), let ack = bytes.be32(start + 8), bytes.count > start + 13 else { return nil }
            let headerLength = Int(bytes[start + 12] >> 4) * 4
            guard headerLength >= 20, headerLength <= length else { return nil }
            return TransportPeek(transport: .tcp, source: from, destination: to, sequenceNumber: sequence,
                                 acknowledgementNumber: ack, flags: bytes[start + 13],
                                 payloadOffset: start + headerLength, payloadLength: length - headerLength)
        case 17:
            return TransportPeek(transport: .udp, source: from, destination: to,
                                 payloadOffset: start + 8, payloadLength: max(0, length - 8))
        default:
            return nil
        }
    }
}

/// An IPv4 or IPv6 address as two integers (IPv4 as `::ffff:a.b.c.d`), cheap to hash.
struct PeekAddress: Hashable, Comparable {
    var high: UInt64
    var low: UInt64
    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
    init(ipv4: UInt32) {
        high = 0
        low = 0x0000_ffff_0000_0000 | UInt64(ipv4)
    }
    static func < (a: PeekAddress, b: PeekAddress) -> Bool { (a.high, a.low) < (b.high, b.low) }
}

/// An address and port.
struct PeekEndpoint: Hashable, Comparable {
    var address: PeekAddress
    var port: UInt16
    static func < (a: PeekEndpoint, b: PeekEndpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }
}

/// A TCP connection's endpoints in a canonical order, the same for both directions.
struct ConnectionKey: Hashable {
    var low: PeekEndpoint
    var high: PeekEndpoint
    init(_ a: PeekEndpoint, _ b: PeekEndpoint) {
        if a < b {
            low = a
            high = b
        } else {
            low = b
            high = a
        }
    }
}

extension UnsafeRawBufferPointer {
    @inline(__always)
    func be16(_ offset: Int) -> UInt16? {
        guard offset >= 0, offset + 2 <= count else { return nil }
        return UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    @inline(__always)
    func be32(_ offset: Int) -> UInt32? {
        guard offset >= 0, offset + 4 <= count else { return nil }
        return UInt32(self[offset]) << 24 | UInt32(self[offset + 1]) << 16 | UInt32(self[offset + 2]) << 8 | UInt32(self[offset + 3])
    }

    @inline(__always)
    func be64(_ offset: Int) -> UInt64? {
        guard let high = be32(offset), let low = be32(offset + 4) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }
}
