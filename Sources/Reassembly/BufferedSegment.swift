import CaptureIO

/// Part of one direction's byte stream held until the bytes before it arrive.
struct BufferedSegment {
    /// Sequence number of the first byte.
    var sequence: UInt32
    /// Bytes of the stream this piece covers.
    var count: Int
    /// The copied bytes; nil for a known-missing piece or when the connection is not followed.
    var storage: [UInt8]?
    /// Where `sequence` is in `storage` (the front is trimmed by moving this, not by copying).
    var storageOffset = 0
    /// The piece stands for bytes cut by the snap length: they were on the wire but are not in
    /// the capture, delivered as not captured (not as a loss).
    var isNotCaptured = false
    /// Capture time of the packet that carried the first byte.
    var time: Timestamp
    /// What the segment that carried the first byte acknowledged of the other direction
    /// (`StreamPosition.peerAcknowledged`).
    var peerAcknowledged: Int?

    /// Bookkeeping cost in bytes; constant while the piece lives, so accounting stays exact.
    /// The fixed part keeps a flood of tiny segments from escaping the caps.
    var cost: Int { (storage?.count ?? 0) &+ BufferedSegment.overhead }
    static let overhead = 64
}
