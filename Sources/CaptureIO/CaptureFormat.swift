/// The container format of a capture file.
public enum CaptureFormat: String, Sendable, Codable {
    case pcap
    case pcapng
}

/// Byte order of a pcap file or a pcapng section.
public enum ByteOrder: String, Sendable, Codable {
    case littleEndian = "little-endian"
    case bigEndian = "big-endian"
}

/// Facts about a capture file known once its header (or first section) is read.
public struct CaptureFileInfo: Sendable {
    public var path: String
    public var format: CaptureFormat
    public var byteOrder: ByteOrder
    public var precision: TimestampPrecision
    public var compressed: Bool
    /// Snapshot length of the file header (pcap) or of the first interface (pcapng); 0 when unknown.
    public var snapLength: Int
    /// Link type of the file (pcap) or of the first interface (pcapng), if any.
    public var linkType: LinkType?

    public init(path: String, format: CaptureFormat, byteOrder: ByteOrder, precision: TimestampPrecision,
                compressed: Bool, snapLength: Int, linkType: LinkType?) {
        self.path = path
        self.format = format
        self.byteOrder = byteOrder
        self.precision = precision
        self.compressed = compressed
        self.snapLength = snapLength
        self.linkType = linkType
    }
}

/// A secret found in a pcapng Decryption Secrets Block (for example a TLS key log).
public struct DecryptionSecrets: Sendable {
    /// The DSB secrets type: 0x544c534b ("TLSK") is an NSS key log.
    public var type: UInt32
    public var data: [UInt8]
    public init(type: UInt32, data: [UInt8]) {
        self.type = type
        self.data = data
    }
    public static let tlsKeyLogType: UInt32 = 0x544c_534b
}
