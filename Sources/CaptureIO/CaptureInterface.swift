/// One capture interface: a pcapng Interface Description Block, or the file header of a pcap.
///
/// Writers (the splitter) need these to rebuild the interface blocks of each piece.
public struct CaptureInterface: Sendable, Equatable {
    public var linkType: LinkType
    /// Snapshot length; 0 means no limit (pcapng) or unknown.
    public var snapLength: Int
    /// Timestamp units per second (`if_tsresol`): 1_000_000 for microseconds, the pcapng default.
    public var timestampUnitsPerSecond: UInt64
    /// `if_tsoffset` in seconds, already added to the timestamps of this interface's records.
    public var timestampOffsetSeconds: Int64
    /// `if_name`, when the block has one.
    public var name: String?
    /// The pcapng section (0-based) the interface belongs to; 0 for pcap.
    public var section: Int

    public init(linkType: LinkType, snapLength: Int, timestampUnitsPerSecond: UInt64 = 1_000_000,
                timestampOffsetSeconds: Int64 = 0, name: String? = nil, section: Int = 0) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.timestampUnitsPerSecond = timestampUnitsPerSecond
        self.timestampOffsetSeconds = timestampOffsetSeconds
        self.name = name
        self.section = section
    }
}
