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
        /// Ethernet/IPv4/TCP records take `decodeCommonTCP`; tests turn it off to check that the
        /// general path decides every record alike.
        public var decodesCommonTCPDirectly = true
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
        if record.linkType.rawValue == LinkType.ethernet.rawValue, configuration.decodesCommonTCPDirectly,
           let common = decodeCommonTCP(record) { return common }
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

    /// Ethernet II, IPv4 without options or fragments, TCP: nearly every packet of a controller's
    /// capture, decided with one length check, the decoded segment copied out once (through the
    /// general path, each of its four levels copied it again: a fifth of the decoding time).
    /// The same checks in the same order as that path, which gets every other record: nil
    /// leaves the statistics untouched.
    @inline(__always)
    private func decodeCommonTCP(_ record: CaptureRecord) -> DecodedPacket? {
        let bytes = record.bytes
        guard bytes.count >= 54, let base = bytes.baseAddress,
              base.loadUnaligned(fromByteOffset: 12, as: UInt16.self) == UInt16(0x0800).bigEndian,
              base.load(fromByteOffset: 14, as: UInt8.self) == 0x45,     // version 4, 20-byte header
              base.load(fromByteOffset: 23, as: UInt8.self) == 6,        // TCP
              UInt16(bigEndian: base.loadUnaligned(fromByteOffset: 20, as: UInt16.self)) & 0x3FFF == 0 // not a fragment
        else { return nil }
        let frameRemainder = max(record.originalLength, bytes.count) &- 14
        var totalLength = Int(UInt16(bigEndian: base.loadUnaligned(fromByteOffset: 16, as: UInt16.self)))
        if totalLength == 0 { totalLength = frameRemainder }
        // Shorter than a TCP header, or longer than the frame: the general path says why.
        guard totalLength >= 40, totalLength <= frameRemainder else { return nil }
        statistics.ipv4 &+= 1
        let source = IPAddress(ipv4: UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 26, as: UInt32.self)))
        let destination = IPAddress(ipv4: UInt32(bigEndian: base.loadUnaligned(fromByteOffset: 30, as: UInt32.self)))
        return decodeTCP(source: source, destination: destination, bytes.clampedSlice(34, 14 &+ totalLength),
                         length: totalLength &- 20)
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
