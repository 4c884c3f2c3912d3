import CaptureIO

/// TCP header flags.
///
/// The flags are computed and inlinable rather than stored: a stored `static let` of another
/// module is read through an accessor call, several per segment in the reassembler.
public struct TCPFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static var fin: TCPFlags { TCPFlags(rawValue: 0x01) }
    @inlinable public static var syn: TCPFlags { TCPFlags(rawValue: 0x02) }
    @inlinable public static var rst: TCPFlags { TCPFlags(rawValue: 0x04) }
    @inlinable public static var psh: TCPFlags { TCPFlags(rawValue: 0x08) }
    @inlinable public static var ack: TCPFlags { TCPFlags(rawValue: 0x10) }
    @inlinable public static var urg: TCPFlags { TCPFlags(rawValue: 0x20) }
    @inlinable public static var ece: TCPFlags { TCPFlags(rawValue: 0x40) }
    @inlinable public static var cwr: TCPFlags { TCPFlags(rawValue: 0x80) }
    /// ECN nonce sum (RFC 3540, historic), the ninth flag bit.
    @inlinable public static var ns: TCPFlags { TCPFlags(rawValue: 0x100) }
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
