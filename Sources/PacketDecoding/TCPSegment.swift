import CaptureIO

/// TCP header flags.
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)
    /// ECN nonce sum (RFC 3540, historic), the ninth flag bit.
    public static let ns = TCPFlags(rawValue: 0x100)
}

/// A TCP segment decoded from a packet: a view over the captured bytes.
///
/// `payload` borrows the record's (or the fragment reassembler's) buffer and is valid only
/// until the next packet is decoded.
public struct TCPSegment {
    public var source: Endpoint
    public var destination: Endpoint
    public var sequenceNumber: UInt32
    public var acknowledgementNumber: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// Window scale shift from a SYN's option, if present.
    public var windowScale: UInt8?
    /// Maximum segment size from a SYN's option, if present.
    public var maximumSegmentSize: UInt16?
    /// The payload bytes that were captured.
    public var payload: UnsafeRawBufferPointer
    /// Payload length according to the IP header; larger than `payload.count` when the
    /// snaplen cut the packet (the difference is a gap for the stream).
    public var payloadLength: Int

    public init(source: Endpoint, destination: Endpoint, sequenceNumber: UInt32, acknowledgementNumber: UInt32,
                flags: TCPFlags, window: UInt16, windowScale: UInt8? = nil,
                maximumSegmentSize: UInt16? = nil,
                payload: UnsafeRawBufferPointer, payloadLength: Int) {
        self.source = source
        self.destination = destination
        self.sequenceNumber = sequenceNumber
        self.acknowledgementNumber = acknowledgementNumber
        self.flags = flags
        self.window = window
        self.windowScale = windowScale
        self.maximumSegmentSize = maximumSegmentSize
        self.payload = payload
        self.payloadLength = payloadLength
    }
}

/// What a captured packet turned out to be.
public enum DecodedPacket {
    case tcp(TCPSegment)
    case udp(source: Endpoint, destination: Endpoint, payloadLength: Int)
    /// A fragment was stored, waiting for the rest of its datagram.
    case fragmentPending
    /// Not decoded further; the reason is counted in the decoder's statistics.
    case skipped(SkipReason)
}

/// Why a packet was not decoded down to TCP or UDP.
public enum SkipReason: String, Sendable, CaseIterable {
    case unsupportedLinkType = "unsupported link type"
    case nonIPNetworkLayer = "non-IP network layer"
    case otherTransport = "other transport protocol"
    case truncated = "truncated header"
    case malformed = "malformed header"
    case fragmentDropped = "fragment dropped"
}
