/// One packet record of a capture file, as a view into the reader's buffer.
///
/// `bytes` is valid only until the reader is asked for the next record: consumers copy
/// what they must keep. This is what lets a multi-gigabyte file stream in constant memory.
public struct CaptureRecord {
    /// Capture time, already corrected by the interface's `if_tsoffset`.
    public var timestamp: Timestamp
    public var linkType: LinkType
    /// Index into the reader's `interfaces` (over all sections; 0 for pcap).
    public var interfaceIndex: Int
    /// Bytes on the wire; may exceed `bytes.count` when the snaplen cut the packet.
    public var originalLength: Int
    /// The captured bytes.
    public var bytes: UnsafeRawBufferPointer
    /// Byte offset of the record's block (pcapng) or record header (pcap) in the uncompressed file.
    public var fileOffset: Int

    public init(timestamp: Timestamp, linkType: LinkType, interfaceIndex: Int = 0, originalLength: Int,
                bytes: UnsafeRawBufferPointer, fileOffset: Int = 0) {
        self.timestamp = timestamp
        self.linkType = linkType
        self.interfaceIndex = interfaceIndex
        self.originalLength = originalLength
        self.bytes = bytes
        self.fileOffset = fileOffset
    }

    public var capturedLength: Int { bytes.count }
}
