import CaptureIO
@testable import PacketDecoding

/// Builds packets byte by byte for the decoder tests.
enum PacketBuilder {
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
    static func be32(_ v: UInt32) -> [UInt8] { be16(UInt16(v >> 16)) + be16(UInt16(v & 0xFFFF)) }

    static func tcp(source: UInt16 = 40000, destination: UInt16 = 9292, seq: UInt32 = 1000, ack: UInt32 = 0,
                    flags: UInt16 = 0x18, window: UInt16 = 512, options: [UInt8] = [], payload: [UInt8] = [],
                    dataOffsetWords: Int? = nil) -> [UInt8] {
        let words = dataOffsetWords ?? (20 + options.count) / 4
        var out = be16(source) + be16(destination) + be32(seq) + be32(ack)
        out += be16(UInt16(words) << 12 | (flags & 0x1FF)) + be16(window) + [0, 0, 0, 0]
        return out + options + payload
    }

    static func udp(source: UInt16 = 5353, destination: UInt16 = 53, payload: [UInt8] = []) -> [UInt8] {
        be16(source) + be16(destination) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    static func ipv4(source: UInt32 = 0x0A00_0001, destination: UInt32 = 0x0A00_0002, transport: UInt8 = 6,
                     payload: [UInt8], identification: UInt16 = 1, moreFragments: Bool = false, fragmentOffset: Int = 0,
                     options: [UInt8] = [], totalLength: Int? = nil, headerWords: Int? = nil) -> [UInt8] {
        let words = headerWords ?? (20 + options.count) / 4
        let total = totalLength ?? (20 + options.count + payload.count)
        var out: [UInt8] = [UInt8(0x40 | words), 0] + be16(UInt16(total)) + be16(identification)
        out += be16((moreFragments ? 0x2000 : 0) | UInt16(fragmentOffset / 8))
        out += [64, transport, 0, 0] + be32(source) + be32(destination)
        return out + options + payload
    }

    static let v6Source: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]
    static let v6Destination: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [2]

    static func ipv6(nextHeader: UInt8, payload: [UInt8], payloadLength: Int? = nil) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(UInt16(payloadLength ?? payload.count)) + [nextHeader, 64] + v6Source + v6Destination + payload
    }

    /// A hop-by-hop / routing / destination-options header of 8 bytes.
    static func extensionHeader(next: UInt8) -> [UInt8] { [next, 0, 1, 4, 0, 0, 0, 0] }

    static func fragmentHeader(next: UInt8, offset: Int, more: Bool, identification: UInt32) -> [UInt8] {
        [next, 0] + be16(UInt16(offset) | (more ? 1 : 0)) + be32(identification)
    }

    static func ethernet(type: UInt16, vlanTags: [UInt16] = [], payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]
        for tpid in vlanTags { out += be16(tpid) + [0x00, 0x2A] }
        return out + be16(type) + payload
    }
}

/// What a decode produced, copied out while the record's bytes are alive.
struct DecodedSummary: Equatable {
    enum Kind: Equatable { case tcp, udp, pending, skipped(SkipReason) }
    var kind: Kind
    var source = ""
    var destination = ""
    var sequence: UInt32 = 0
    var acknowledgement: UInt32 = 0
    var window: UInt16 = 0
    var flags: UInt16 = 0
    var payload: [UInt8] = []
    var payloadLength = 0
    var windowScale: UInt8?
    var mss: UInt16?
}

func decode(_ bytes: [UInt8], linkType: LinkType, originalLength: Int? = nil, at nanoseconds: Int64 = 0,
            with decoder: PacketDecoder = PacketDecoder()) -> DecodedSummary {
    bytes.withUnsafeBytes { raw in
        let record = CaptureRecord(timestamp: Timestamp(nanoseconds: nanoseconds), linkType: linkType,
                                   originalLength: originalLength ?? bytes.count, bytes: raw)
        switch decoder.decode(record) {
        case .tcp(let s):
            return DecodedSummary(kind: .tcp, source: s.source.description, destination: s.destination.description,
                                  sequence: s.sequenceNumber, acknowledgement: s.acknowledgementNumber, window: s.window,
                                  flags: s.flags.rawValue, payload: Array(s.payload),
                                  payloadLength: s.payloadLength, windowScale: s.windowScale, mss: s.maximumSegmentSize)
        case .udp(let source, let destination, let length):
            return DecodedSummary(kind: .udp, source: source.description, destination: destination.description,
                                  payloadLength: length)
        case .fragmentPending:
            return DecodedSummary(kind: .pending)
        case .skipped(let reason):
            return DecodedSummary(kind: .skipped(reason))
        }
    }
}
