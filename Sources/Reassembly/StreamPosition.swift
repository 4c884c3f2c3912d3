/// Where a delivered chunk sits in its connection: the TCP evidence a decoder can pair a
/// response with the request it answers.
///
/// Offsets count the bytes of one direction's stream from its first byte (the byte after the
/// SYN, or the first byte captured when the capture began mid-connection), gaps included: they
/// are the same numbers a consumer gets by adding up the `receive` and `gap` counts.
public struct StreamPosition: Sendable, Hashable {
    /// Offset of the chunk's first byte in its own direction's stream.
    public var offset: Int
    /// The acknowledgement number of the segment that carried the chunk's first byte, as an
    /// offset in the other direction's stream: how many of the peer's bytes its sender had
    /// received when it sent them. Nil when the segment had no ACK or the other direction had
    /// not started yet; negative when it acknowledged only bytes sent before the capture began.
    public var peerAcknowledged: Int?

    public init(offset: Int, peerAcknowledged: Int? = nil) {
        self.offset = offset
        self.peerAcknowledged = peerAcknowledged
    }
}
