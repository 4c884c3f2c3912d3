import CaptureIO
import PacketDecoding

/// The transport header fields the splitter needs, from the pipeline's own `PacketDecoder`
/// (every link layer, VLAN tags, IPv6 extension headers and IP fragment reassembly it knows),
/// plus where the TCP payload starts in the captured bytes, which `--slim` needs to cut it.
struct TransportPeek {
    enum Transport { case tcp, udp }

    var transport: Transport
    var source: Endpoint
    var destination: Endpoint
    var sequenceNumber: UInt32 = 0
    var acknowledgementNumber: UInt32 = 0
    /// TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10).
    var flags: UInt8 = 0
    /// Offset of the first payload byte in the captured bytes; the captured length when the
    /// payload is not in this record (a datagram reassembled from fragments, or UDP).
    var payloadOffset: Int
    /// Payload length according to the IP header (may exceed what was captured).
    var payloadLength: Int

    var isSYN: Bool { flags & 0x02 != 0 }
    var isFIN: Bool { flags & 0x01 != 0 }
    var isRST: Bool { flags & 0x04 != 0 }
    var isACK: Bool { flags & 0x10 != 0 }

    /// Decodes a record; nil when it is not TCP or UDP (or a fragment still waiting for the rest).
    static func peek(_ record: CaptureRecord, decoder: PacketDecoder) -> TransportPeek? {
        switch decoder.decode(record) {
        case .tcp(let segment):
            return TransportPeek(transport: .tcp, source: segment.source, destination: segment.destination,
                                 sequenceNumber: segment.sequenceNumber, acknowledgementNumber: segment.acknowledgementNumber,
                                 flags: UInt8(truncatingIfNeeded: segment.flags.rawValue),
                                 payloadOffset: offset(of: segment.payload, in: record.bytes),
                                 payloadLength: segment.payloadLength)
        case .udp(let source, let destination, let length):
            return TransportPeek(transport: .udp, source: source, destination: destination,
                                 payloadOffset: record.bytes.count, payloadLength: length)
        case .fragmentPending, .skipped:
            return nil
        }
    }

    /// Where `payload` starts inside `bytes`, or `bytes.count` when it lies elsewhere or is empty.
    private static func offset(of payload: UnsafeRawBufferPointer, in bytes: UnsafeRawBufferPointer) -> Int {
        guard let start = payload.baseAddress, let base = bytes.baseAddress else { return bytes.count }
        let offset = start - base
        guard offset >= 0, offset + payload.count <= bytes.count else { return bytes.count }
        return offset
    }
}
