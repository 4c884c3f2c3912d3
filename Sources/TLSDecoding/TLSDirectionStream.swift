import CaptureIO
import Reassembly

/// The record layer state of one direction: unparsed bytes with their capture times, the
/// handshake bytes waiting for a whole message, and the keys in use.
final class TLSDirectionStream {
    let direction: FlowDirection
    /// Received bytes not yet parsed start at `readIndex`.
    var buffer: [UInt8] = []
    var readIndex = 0
    /// Stream offset of `buffer[0]`.
    private var baseOffset = 0
    /// (stream offset of the first byte of a receive() call, its time), oldest first.
    private var timeMarks: [(offset: Int, time: Timestamp)] = []
    /// Plaintext handshake bytes up to the end of the last whole message.
    var handshakeBuffer: [UInt8] = []
    /// From here on records are protected (TLS 1.2 after ChangeCipherSpec, TLS 1.3 after ServerHello).
    var isProtected = false
    var decryptor: TLSRecordDecryptor?
    /// Why protected records of this direction are not (or no longer) decrypted.
    var failure: String?
    /// TLS 1.3: the current application traffic secret, advanced by KeyUpdate.
    var trafficSecret: [UInt8]?
    /// Set when the record layer is lost (gap, corrupt header): later bytes are dropped.
    var stopped: String?
    var finishedSeen = false
    var counts = TLSRecordCounts()

    init(direction: FlowDirection) { self.direction = direction }

    var unreadCount: Int { buffer.count &- readIndex }
    var readOffset: Int { baseOffset &+ readIndex }

    func append(_ bytes: UnsafeRawBufferPointer, at time: Timestamp) {
        if stopped != nil {
            counts.droppedBytes &+= bytes.count
            return
        }
        if timeMarks.last?.time != time {
            timeMarks.append((baseOffset &+ buffer.count, time))
        }
        buffer.append(contentsOf: bytes)
    }

    /// The capture time of the receive() call that carried the byte at `offset`.
    func time(atOffset offset: Int) -> Timestamp {
        for mark in timeMarks.reversed() where mark.offset <= offset { return mark.time }
        return timeMarks.first?.time ?? .zero
    }

    /// Drops parsed bytes and the time marks nobody can ask for any more.
    func compact() {
        if readIndex > 0 && (readIndex == buffer.count || readIndex > 65_536) {
            buffer.removeFirst(readIndex)
            baseOffset &+= readIndex
            readIndex = 0
        }
        let consumed = readOffset
        var keepFrom = 0
        // Marks are in offset order: stop at the first one past the consumed bytes. Walking them
        // all made a record fed in 1-byte segments quadratic (16 KB: 5.8 s; found by Fuzz/run tls).
        for (index, mark) in timeMarks.enumerated() {
            guard mark.offset <= consumed else { break }
            keepFrom = index
        }
        if keepFrom > 0 { timeMarks.removeFirst(keepFrom) }
    }

    /// Gives up on the record layer of this direction; returns the unread byte count dropped.
    @discardableResult
    func stop(_ reason: String) -> Int {
        let dropped = unreadCount
        stopped = reason
        counts.droppedBytes &+= dropped
        buffer.removeAll()
        readIndex = 0
        handshakeBuffer.removeAll()
        if isProtected && failure == nil { failure = reason }
        decryptor = nil
        return dropped
    }
}
