import ByteReading
extension PacketDecoder {
    /// TCP (RFC 9293) and UDP over a view that starts at the transport header.
    ///
    /// `payloadLength` is the transport length the IP header declares; `bytes` may be
    /// shorter when the snaplen cut the packet.
    func decodeTransport(_ transport: UInt8, source: IPAddress, destination: IPAddress,
                         _ bytes: UnsafeRawBufferPointer, payloadLength: Int) -> DecodedPacket {
        switch transport {
        case 6:
            return decodeTCP(source: source, destination: destination, bytes, length: payloadLength)
        case 17:
            guard let sourcePort = bytes.uint16(at: 0), let destinationPort = bytes.uint16(at: 2), bytes.count >= 8
            else { return skip(.truncated) }
            guard payloadLength >= 8 else { return skip(.malformed) }
            statistics.udp &+= 1
            return .udp(source: Endpoint(address: source, port: sourcePort),
                        destination: Endpoint(address: destination, port: destinationPort),
                        payloadLength: payloadLength &- 8)
        default:
            return skip(.otherTransport)
        }
    }

    // Inlined: the common path's call and the copy of its result were a fifth of decoding.
    @inline(__always)
    func decodeTCP(source: IPAddress, destination: IPAddress,
                           _ bytes: UnsafeRawBufferPointer, length: Int) -> DecodedPacket {
        guard let sourcePort = bytes.uint16(at: 0), let destinationPort = bytes.uint16(at: 2),
              let sequence = bytes.uint32(at: 4), let acknowledgement = bytes.uint32(at: 8),
              let offsetAndFlags = bytes.uint16(at: 12), let window = bytes.uint16(at: 14), bytes.count >= 20
        else { return length < 20 ? skip(.malformed) : skip(.truncated) }
        let headerLength = Int(offsetAndFlags >> 12) &* 4
        guard headerLength >= 20, headerLength <= length else { return skip(.malformed) }
        guard headerLength <= bytes.count else { return skip(.truncated) }

        var windowScale: UInt8?
        var maximumSegmentSize: UInt16?
        var position = 20
        // Options: kind 0 ends the list, 1 pads; every other kind carries its own length,
        // which must be at least 2 and stay inside the header.
        while position < headerLength, let kind = bytes.byte(at: position) {
            if kind == 0 { break }
            if kind == 1 { position &+= 1; continue }
            guard let optionLength = bytes.byte(at: position &+ 1), optionLength >= 2,
                  position &+ Int(optionLength) <= headerLength else { break }
            switch (kind, optionLength) {
            case (2, 4): maximumSegmentSize = bytes.uint16(at: position &+ 2)
            case (3, 3): windowScale = bytes.byte(at: position &+ 2)
            default: break
            }
            position &+= Int(optionLength)
        }

        statistics.tcp &+= 1
        let segment = TCPSegment(
            source: Endpoint(address: source, port: sourcePort),
            destination: Endpoint(address: destination, port: destinationPort),
            sequenceNumber: sequence, acknowledgementNumber: acknowledgement,
            flags: TCPFlags(rawValue: offsetAndFlags & 0x01FF), window: window,
            windowScale: windowScale, maximumSegmentSize: maximumSegmentSize,
            payload: bytes.clampedSlice(headerLength, length),
            payloadLength: length &- headerLength)
        return .tcp(segment)
    }
}
