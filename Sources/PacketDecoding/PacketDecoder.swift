import ByteReading
import CaptureIO

/// Decodes capture records down to TCP segments: link layer, IPv4/IPv6 (with fragment
/// reassembly), TCP. Allocates nothing per packet except to hold fragments.
///
/// Like gopacket's `DecodingLayerParser`, it reads headers in place and returns views: a
/// `TCPSegment`'s payload points into the record's bytes (or, for a datagram rebuilt from
/// fragments, into the decoder's own buffer) and is valid until the next call.
///
/// ```swift
/// let decoder = PacketDecoder()
/// while let record = try reader.next() {
///     if case .tcp(let segment) = decoder.decode(record) { reassembler.process(segment, at: record.timestamp) }
/// }
/// ```
public final class PacketDecoder {
    /// Limits of the decoder; the defaults suit captures of any size.
    public struct Configuration: Sendable {
        /// Bytes of fragments held at most, over all datagrams being reassembled.
        public var maxFragmentBytes: Int = 4 << 20
        /// A datagram whose fragments do not all arrive within this capture time is dropped.
        public var fragmentTimeoutNanoseconds: Int64 = 30_000_000_000
        public init() {}
    }

    /// What was decoded so far.
    public internal(set) var statistics = PacketStatistics()
    public let configuration: Configuration

    let fragments: FragmentReassembler

    /// Creates a decoder; one per capture (or per merged stream of captures).
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        fragments = FragmentReassembler(maxBytes: configuration.maxFragmentBytes,
                                        timeoutNanoseconds: configuration.fragmentTimeoutNanoseconds)
    }

    /// Decodes one record. The returned segment's payload is valid until the next call.
    public func decode(_ record: CaptureRecord) -> DecodedPacket {
        statistics.packets &+= 1
        let bytes = record.bytes
        let start: Int
        let etherType: UInt16
        switch record.linkType.rawValue {
        case LinkType.ethernet.rawValue:
            guard let type = bytes.uint16(at: 12) else { return skip(.truncated) }
            (start, etherType) = (14, type)
        case LinkType.linuxSLL.rawValue:
            // struct sll_header: packet type, ARPHRD type, address length, 8 address bytes, protocol.
            guard let type = bytes.uint16(at: 14) else { return skip(.truncated) }
            (start, etherType) = (16, type)
        case LinkType.linuxSLL2.rawValue:
            // SLL2 moved the protocol to the front; the header is 20 bytes.
            guard bytes.count >= 20, let type = bytes.uint16(at: 0) else { return skip(.truncated) }
            (start, etherType) = (20, type)
        case LinkType.null.rawValue, LinkType.loop.rawValue:
            guard let family = nullFamily(bytes) else { return skip(.truncated) }
            switch family {
            case 2: etherType = 0x0800
            // AF_INET6 differs between the BSDs: NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30.
            case 24, 28, 30: etherType = 0x86DD
            default: return skip(.nonIPNetworkLayer)
            }
            start = 4
        case LinkType.raw.rawValue:
            guard let first = bytes.byte(at: 0) else { return skip(.truncated) }
            switch first >> 4 {
            case 4: etherType = 0x0800
            case 6: etherType = 0x86DD
            default: return skip(.nonIPNetworkLayer)
            }
            start = 0
        case LinkType.ipv4.rawValue: (start, etherType) = (0, 0x0800)
        case LinkType.ipv6.rawValue: (start, etherType) = (0, 0x86DD)
        default:
            return skip(.unsupportedLinkType)
        }
        return decodeNetwork(record, offset: start, etherType: etherType)
    }

    /// Skips VLAN tags (802.1Q, 802.1ad and the old 0x9100 QinQ, stacked in any number)
    /// and dispatches on the inner EtherType.
    private func decodeNetwork(_ record: CaptureRecord, offset: Int, etherType: UInt16) -> DecodedPacket {
        var offset = offset
        var type = etherType
        var tagged = false
        while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
            // A tag is 2 bytes of TCI followed by the next EtherType.
            guard let next = record.bytes.uint16(at: offset &+ 2) else { return skip(.truncated) }
            type = next
            offset &+= 4
            tagged = true
        }
        if tagged { statistics.vlanTagged &+= 1 }
        switch type {
        case 0x0800: return decodeIPv4(record, at: offset)
        case 0x86DD: return decodeIPv6(record, at: offset)
        default: return skip(.nonIPNetworkLayer)
        }
    }

    /// The address family of a NULL/LOOP header. NULL stores it in the capturing host's byte
    /// order and LOOP in network order, but files of both kinds exist with either order:
    /// families are small numbers, so whichever reading is small is the right one.
    private func nullFamily(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        guard let raw = bytes.uint32(at: 0) else { return nil }
        return raw > 0xFFFF ? raw.byteSwapped : raw
    }

    @inline(__always)
    func skip(_ reason: SkipReason) -> DecodedPacket {
        statistics.count(reason)
        return .skipped(reason)
    }
}
