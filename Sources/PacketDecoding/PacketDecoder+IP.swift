import ByteReading
import CaptureIO

extension PacketDecoder {
    /// IPv4 (RFC 791): header length and total length are checked against each other and
    /// against the frame; bytes after `total length` (Ethernet padding) are ignored.
    func decodeIPv4(_ record: CaptureRecord, at offset: Int) -> DecodedPacket {
        let bytes = record.bytes
        guard let versionAndLength = bytes.byte(at: offset), let declaredTotal = bytes.uint16(at: offset &+ 2),
              let identification = bytes.uint16(at: offset &+ 4), let fragmentField = bytes.uint16(at: offset &+ 6),
              let transport = bytes.byte(at: offset &+ 9),
              let source = bytes.uint32(at: offset &+ 12), let destination = bytes.uint32(at: offset &+ 16)
        else { return skip(.truncated) }
        guard versionAndLength >> 4 == 4 else { return skip(.malformed) }
        let headerLength = Int(versionAndLength & 0x0F) &* 4
        guard headerLength >= 20 else { return skip(.malformed) }
        let frameRemainder = max(record.originalLength, bytes.count) &- offset
        var totalLength = Int(declaredTotal)
        // Segmentation offload hands captures packets bigger than 64 KiB with a zero total
        // length; Wireshark then trusts the frame length, and so do we.
        if totalLength == 0 { totalLength = frameRemainder }
        guard totalLength >= headerLength, totalLength <= frameRemainder else { return skip(.malformed) }
        guard offset &+ headerLength <= bytes.count else { return skip(.truncated) }
        statistics.ipv4 &+= 1

        let sourceAddress = IPAddress(ipv4: source)
        let destinationAddress = IPAddress(ipv4: destination)
        let payload = bytes.clampedSlice(offset &+ headerLength, offset &+ totalLength)
        let payloadLength = totalLength &- headerLength
        let moreFragments = fragmentField & 0x2000 != 0
        let fragmentOffset = Int(fragmentField & 0x1FFF) &* 8
        guard moreFragments || fragmentOffset != 0 else {
            return decodeTransport(transport, source: sourceAddress, destination: destinationAddress,
                                   payload, payloadLength: payloadLength)
        }
        let key = FragmentKey(source: sourceAddress, destination: destinationAddress,
                              identification: UInt32(identification), transport: transport)
        return reassemble(key, offset: fragmentOffset, isLast: !moreFragments, payload, payloadLength: payloadLength,
                          at: record.timestamp) { datagram in
            self.decodeTransport(transport, source: sourceAddress, destination: destinationAddress,
                                 datagram, payloadLength: datagram.count)
        }
    }

    /// IPv6 (RFC 8200) with its extension-header chain; the fragment header sends the
    /// fragmentable part to the reassembler, whose result may start with more extension headers.
    func decodeIPv6(_ record: CaptureRecord, at offset: Int) -> DecodedPacket {
        let bytes = record.bytes
        guard let version = bytes.byte(at: offset), let declaredPayload = bytes.uint16(at: offset &+ 4),
              let nextHeader = bytes.byte(at: offset &+ 6),
              let sourceHigh = bytes.uint64(at: offset &+ 8), let sourceLow = bytes.uint64(at: offset &+ 16),
              let destinationHigh = bytes.uint64(at: offset &+ 24), let destinationLow = bytes.uint64(at: offset &+ 32)
        else { return skip(.truncated) }
        guard version >> 4 == 6 else { return skip(.malformed) }
        let frameRemainder = max(record.originalLength, bytes.count) &- offset &- 40
        var payloadLength = Int(declaredPayload)
        // Zero means a jumbogram (RFC 2675) or an offloaded super-packet: the frame tells the length.
        if payloadLength == 0 { payloadLength = max(frameRemainder, 0) }
        guard payloadLength <= frameRemainder else { return skip(.malformed) }
        statistics.ipv6 &+= 1

        let source = IPAddress(ipv6High: sourceHigh, low: sourceLow)
        let destination = IPAddress(ipv6High: destinationHigh, low: destinationLow)
        let packet = bytes.clampedSlice(offset &+ 40, offset &+ 40 &+ payloadLength)
        let chain = walkIPv6Extensions(packet, reportedLength: payloadLength, nextHeader: nextHeader)
        switch chain {
        case .failed(let reason):
            return skip(reason)
        case .upperLayer(let transport, let start):
            return decodeTransport(transport, source: source, destination: destination,
                                   packet.clampedSlice(start, packet.count), payloadLength: payloadLength &- start)
        case .fragment(let header, let start):
            // An atomic fragment (offset 0, no more fragments; RFC 6946) is a whole datagram.
            if header.offset == 0 && !header.more {
                return decodeIPv6Reassembled(packet.clampedSlice(start, packet.count), firstHeader: header.nextHeader,
                                             reportedLength: payloadLength &- start, source: source, destination: destination)
            }
            let key = FragmentKey(source: source, destination: destination,
                                  identification: header.identification, transport: header.nextHeader)
            return reassemble(key, offset: header.offset, isLast: !header.more, packet.clampedSlice(start, packet.count),
                              payloadLength: payloadLength &- start, at: record.timestamp) { datagram in
                self.decodeIPv6Reassembled(datagram, firstHeader: header.nextHeader, reportedLength: datagram.count,
                                           source: source, destination: destination)
            }
        }
    }

    private func decodeIPv6Reassembled(_ datagram: UnsafeRawBufferPointer, firstHeader: UInt8, reportedLength: Int,
                                       source: IPAddress, destination: IPAddress) -> DecodedPacket {
        switch walkIPv6Extensions(datagram, reportedLength: reportedLength, nextHeader: firstHeader) {
        case .failed(let reason):
            return skip(reason)
        case .upperLayer(let transport, let start):
            return decodeTransport(transport, source: source, destination: destination,
                                   datagram.clampedSlice(start, datagram.count), payloadLength: reportedLength &- start)
        case .fragment:
            // A second fragment header inside a rebuilt datagram is nonsense.
            return skip(.malformed)
        }
    }

    private func reassemble(_ key: FragmentKey, offset: Int, isLast: Bool, _ payload: UnsafeRawBufferPointer,
                            payloadLength: Int, at time: Timestamp,
                            then decodeDatagram: (UnsafeRawBufferPointer) -> DecodedPacket) -> DecodedPacket {
        statistics.fragments &+= 1
        // A fragment cut by the snaplen cannot be rebuilt: its missing bytes are nowhere else.
        guard payload.count == payloadLength else { return skip(.fragmentDropped) }
        switch fragments.add(key, offset: offset, isLast: isLast, bytes: payload, at: time, statistics: &statistics) {
        case .pending:
            return .fragmentPending
        case .dropped:
            return skip(.fragmentDropped)
        case .complete(let datagram):
            statistics.reassembledDatagrams &+= 1
            return decodeDatagram(datagram)
        }
    }
}

/// Where an IPv6 extension-header chain led.
enum IPv6Chain {
    case upperLayer(transport: UInt8, start: Int)
    case fragment(IPv6FragmentHeader, start: Int)
    case failed(SkipReason)
}

/// The fields of an IPv6 fragment header (RFC 8200 §4.5).
struct IPv6FragmentHeader {
    var nextHeader: UInt8
    var offset: Int
    var more: Bool
    var identification: UInt32
}

extension PacketDecoder {
    /// Follows hop-by-hop, routing, destination-options, AH and fragment headers up to the
    /// upper-layer protocol. Stops at the fragment header: what follows it is fragmentable.
    func walkIPv6Extensions(_ bytes: UnsafeRawBufferPointer, reportedLength: Int, nextHeader first: UInt8) -> IPv6Chain {
        var next = first
        var position = 0
        // RFC 8200 allows each header once (destination options twice); 16 is a generous bound
        // that keeps a crafted chain from costing more than a few reads.
        for _ in 0..<16 {
            switch next {
            case 0, 43, 60, 135, 139, 140:
                guard let following = bytes.byte(at: position), let length = bytes.byte(at: position &+ 1)
                else { return .failed(.truncated) }
                next = following
                position &+= (Int(length) &+ 1) &* 8
            case 51:
                // AH counts its length in 4-byte words, minus 2.
                guard let following = bytes.byte(at: position), let length = bytes.byte(at: position &+ 1)
                else { return .failed(.truncated) }
                next = following
                position &+= (Int(length) &+ 2) &* 4
            case 44:
                guard let following = bytes.byte(at: position), let field = bytes.uint16(at: position &+ 2),
                      let identification = bytes.uint32(at: position &+ 4)
                else { return .failed(.truncated) }
                let header = IPv6FragmentHeader(nextHeader: following, offset: Int(field & 0xFFF8),
                                                more: field & 1 != 0, identification: identification)
                position &+= 8
                guard position <= reportedLength else { return .failed(.malformed) }
                return .fragment(header, start: position)
            case 59:
                return .failed(.otherTransport)
            default:
                guard position <= reportedLength else { return .failed(.malformed) }
                return .upperLayer(transport: next, start: position)
            }
            guard position <= reportedLength else { return .failed(.malformed) }
        }
        return .failed(.malformed)
    }
}
