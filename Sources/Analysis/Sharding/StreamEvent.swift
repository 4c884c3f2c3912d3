import CaptureIO
import Reassembly

/// One call the reassembler made on a followed connection (or one the analysis made on its
/// recorder), recorded on the reading thread for the decoding worker that owns the connection.
///
/// A plain value without references (appending, reading and dropping one costs no reference
/// counting): the rare events with more to say (a connection's opening and closing, secrets)
/// name a slot of their batch's side arrays. Bytes are not copied when they lie in a capture
/// file's map (`StableMemory`): the event keeps the address, and its batch retains the map. Bytes
/// in buffers of their own (out-of-order segments, streamed and live readers) are copied into
/// the batch.
struct StreamEvent {
    enum Kind: UInt8 {
        /// The connection's first event (`slot`: `EventBatch.opened`).
        case open
        /// In-order bytes at address `value` of a capture file's map.
        case mapped
        /// In-order bytes copied into the batch, at offset `value` of `EventBatch.bytes`.
        case copied
        case gap
        case notCaptured
        case finished
        /// The connection's last event (`slot`: `EventBatch.closed`).
        case close
        /// The reassembler closes the connection early, or is done with it.
        case sheddingStarts
        case sheddingEnds
        /// pcapng Decryption Secrets Blocks met before the events that follow (`slot`: `EventBatch.secrets`).
        case secrets
    }

    var kind: Kind
    var direction: FlowDirection
    /// Whether the reassembler gave the chunk's `StreamPosition` (`offset`, `peerAcknowledged`).
    var hasPosition = false
    var hasPeerAcknowledged = false
    var connection: Int
    /// An address, an offset into the batch's bytes, or a side-array slot (see `Kind`).
    var value: UInt = 0
    /// Bytes delivered, or missing (gap, notCaptured).
    var count = 0
    var time = Timestamp.zero
    var offset = 0
    var peerAcknowledged = 0

    init(_ kind: Kind, connection: Int, direction: FlowDirection = .clientToServer, time: Timestamp = .zero) {
        self.kind = kind
        self.connection = connection
        self.direction = direction
        self.time = time
    }

    var position: StreamPosition? {
        guard hasPosition else { return nil }
        return StreamPosition(offset: offset, peerAcknowledged: hasPeerAcknowledged ? peerAcknowledged : nil)
    }

    mutating func setPosition(_ position: StreamPosition?) {
        guard let position else { return }
        hasPosition = true
        offset = position.offset
        if let acknowledged = position.peerAcknowledged {
            hasPeerAcknowledged = true
            peerAcknowledged = acknowledged
        }
    }
}

/// A connection's first event: which decoder the worker builds.
struct OpenedConnection {
    var connection: ConnectionInfo
    var content: ProtocolRouter.Content
    var direction: FlowDirection
}

/// A connection's last event.
struct ClosedStream {
    var reason: CloseReason
    var statistics: ConnectionStatistics
}

/// Events for one worker, filled on the reading thread and then handed over whole.
///
/// Thread safety: the reading thread fills it, the worker reads it, the worker's spare list hands
/// it back; the bounded queue and the list's lock order every hand-over.
final class EventBatch: @unchecked Sendable {
    var events: [StreamEvent] = []
    /// Copied bytes (`StreamEvent.Kind.copied`).
    var bytes: [UInt8] = []
    var opened: [OpenedConnection] = []
    var closed: [ClosedStream] = []
    var secrets: [[DecryptionSecrets]] = []
    /// Bytes of the capture map the events point to.
    var mappedBytes = 0
    /// The maps the events point into, retained until the worker is done with them.
    var regions: [StableRegion] = []
    /// The lowest and highest addresses of map bytes the events point to (one map), for
    /// `DecodingWorker.releasePages`.
    var mappedLow = UInt.max
    var mappedHigh: UInt = 0
    /// Which of the recorder's maps (`ShardedRecorder.regionSerial`) was retained last.
    var heldRegion = -1
    /// Where the reading thread was (`ShardedRecorder.consumed`) at the batch's first event.
    var startedAt = 0

    init(capacity: Int) {
        events.reserveCapacity(capacity)
    }

    var isEmpty: Bool { events.isEmpty }

    /// Empties the batch for reuse, keeping its capacity.
    func reset() {
        events.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        if !opened.isEmpty { opened.removeAll(keepingCapacity: true) }
        if !closed.isEmpty { closed.removeAll(keepingCapacity: true) }
        if !secrets.isEmpty { secrets.removeAll() }
        mappedBytes = 0
        regions.removeAll(keepingCapacity: true)
        heldRegion = -1
        mappedLow = .max
        mappedHigh = 0
    }
}
