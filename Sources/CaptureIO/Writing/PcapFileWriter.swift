/// Writes a classic pcap file the way `editcap -F pcap` (or `-F nsecpcap`) does.
///
/// Host byte order (editcap's choice: the magic number tells readers the order), version 2.4,
/// thiszone and sigfigs 0, one link type. A snapshot length of 0 ("unknown", as pcapng allows)
/// becomes 262144, wiretap's standard maximum, as editcap writes it.
public final class PcapFileWriter: CaptureWriter {
    public var path: String { output.path }
    public private(set) var recordCount = 0
    public var bytesWritten: Int { output.bytesWritten }
    public let linkType: LinkType
    public let precision: TimestampPrecision

    private let output: BufferedFileOutput

    /// Wiretap's `WTAP_MAX_PACKET_SIZE_STANDARD`, what editcap writes for an unknown snaplen.
    public static let standardSnapLength = 262_144

    public init(path: String, linkType: LinkType, snapLength: Int, precision: TimestampPrecision,
                bufferSize: Int = 1 << 20) throws(CaptureError) {
        self.linkType = linkType
        self.precision = precision
        output = try BufferedFileOutput(path: path, bufferSize: bufferSize)
        let snap = snapLength > 0 ? UInt32(clamping: snapLength) : UInt32(PcapFileWriter.standardSnapLength)
        do {
            try output.write(precision == .nanoseconds ? UInt32(0xa1b2_3c4d) : UInt32(0xa1b2_c3d4))
            try output.write(UInt16(2))
            try output.write(UInt16(4))
            try output.write(UInt32(0))
            try output.write(UInt32(0))
            try output.write(snap)
            try output.write(linkType.rawValue)
        } catch {
            output.discard()
            throw error
        }
    }

    public func write(_ record: CaptureRecord, bytes: UnsafeRawBufferPointer, originalLength: Int) throws(CaptureError) {
        let time = record.timestamp
        // pcap's seconds field is 32 bits; editcap truncates the same way.
        let seconds = UInt32(truncatingIfNeeded: time.seconds)
        let fraction = precision == .nanoseconds ? time.subsecondNanoseconds : time.subsecondNanoseconds / 1000
        try output.write(seconds)
        try output.write(UInt32(truncatingIfNeeded: fraction))
        try output.write(UInt32(truncatingIfNeeded: bytes.count))
        try output.write(UInt32(clamping: originalLength))
        try output.write(bytes)
        recordCount += 1
    }

    /// Appends `records` records copied verbatim from a pcap file of the same byte order,
    /// precision and record layout: `count` bytes from `offset` (record headers included), through
    /// `pipe` where one is given (`BufferedFileOutput.copyRange`).
    public func appendVerbatim(records: Int, from source: Int32, offset: Int, count: Int,
                               through pipe: SplicePipe? = nil) throws(CaptureError) {
        try output.copyRange(from: source, offset: offset, count: count, through: pipe)
        recordCount += records
    }

    public func finish() throws(CaptureError) { try output.commit() }

    public func abandon() { output.discard() }
}
