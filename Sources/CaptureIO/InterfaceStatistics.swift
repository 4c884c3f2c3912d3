/// What a pcapng Interface Statistics Block says about one interface: the capture's own counters
/// (dumpcap writes one per interface when it stops, from libpcap's `pcap_stats`).
///
/// Counters are totals since the capture started, so a later block replaces an earlier one. A
/// counter the block does not carry is nil.
public struct InterfaceStatistics: Sendable, Equatable {
    /// Index into the reader's `interfaces`.
    public var interface: Int
    /// `isb_ifrecv`: packets the interface received.
    public var received: UInt64?
    /// `isb_ifdrop`: packets the interface (NIC or driver) dropped for lack of resources.
    public var interfaceDrops: UInt64?
    /// `isb_filteraccept`: packets the capture filter accepted.
    public var filterAccepted: UInt64?
    /// `isb_osdrop`: packets the operating system dropped (a full capture buffer).
    public var osDrops: UInt64?
    /// `isb_usrdeliv`: packets delivered to the capturing program.
    public var delivered: UInt64?

    public init(interface: Int, received: UInt64? = nil, interfaceDrops: UInt64? = nil, filterAccepted: UInt64? = nil,
                osDrops: UInt64? = nil, delivered: UInt64? = nil) {
        self.interface = interface
        self.received = received
        self.interfaceDrops = interfaceDrops
        self.filterAccepted = filterAccepted
        self.osDrops = osDrops
        self.delivered = delivered
    }

    /// Packets the capture itself lost on this interface, when the block says.
    public var drops: UInt64? {
        guard interfaceDrops != nil || osDrops != nil else { return nil }
        return (interfaceDrops ?? 0) &+ (osDrops ?? 0)
    }
}

extension CaptureReader {
    /// Interface Statistics Blocks met so far (the last one per interface); none for pcap.
    public var interfaceStatistics: [InterfaceStatistics] { [] }
}
