/// Counts of what the packet decoder saw.
public struct PacketStatistics: Sendable {
    /// Records given to the decoder.
    public var packets = 0
    /// IPv4 / IPv6 headers decoded (every fragment counts once).
    public var ipv4 = 0
    public var ipv6 = 0
    /// TCP segments and UDP datagrams returned (after fragment reassembly).
    public var tcp = 0
    public var udp = 0
    /// Frames that carried at least one 802.1Q / 802.1ad tag.
    public var vlanTagged = 0
    /// IP fragments seen, and datagrams rebuilt from them.
    public var fragments = 0
    public var reassembledDatagrams = 0
    /// Fragments that overlapped bytes already held (the first copy was kept).
    public var overlappingFragments = 0
    /// Datagrams given up: timed out or evicted by the memory cap before they were complete.
    public var expiredDatagrams = 0
    /// Packets not decoded down to TCP or UDP, by reason.
    public var skipped: [SkipReason: Int] = [:]
    public init() {}
    mutating func count(_ reason: SkipReason) { skipped[reason, default: 0] &+= 1 }
}
