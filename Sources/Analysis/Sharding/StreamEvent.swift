import CaptureIO
import Reassembly

/// One call the reassembler made on a followed connection (or one the analysis made on its
/// recorder), recorded on the reading thread for the decoding worker that owns the connection.
///
/// Bytes are not copied when they lie in a capture file's map (`StableMemory`): the event keeps
/// the pointer, and its batch retains the map. Bytes in buffers of their own (out-of-order
/// segments, streamed and live readers) are copied into the batch.
enum StreamEvent {
    /// The connection's first event: which decoder the worker builds.
    case open(OpenedConnection)
    /// In-order bytes that lie in a capture file's map.
    case mapped(connection: Int, bytes: UnsafeRawPointer, count: Int, FlowDirection, Timestamp, StreamPosition?)
    /// In-order bytes copied into the batch, at `offset` in its `bytes`.
    case copied(connection: Int, offset: Int, count: Int, FlowDirection, Timestamp, StreamPosition?)
    case gap(connection: Int, count: Int, FlowDirection, Timestamp)
    case notCaptured(connection: Int, count: Int, FlowDirection, Timestamp)
    case finished(connection: Int, FlowDirection, Timestamp)
    case close(ClosedStream)
    /// The reassembler closes the connection early (true) or is done with it (false).
    case shedding(connection: Int, starting: Bool)
    /// pcapng Decryption Secrets Blocks met before the events that follow.
    case secrets([DecryptionSecrets])
}

/// A connection's first event (boxed: rare, and larger than the others).
final class OpenedConnection: @unchecked Sendable {
    let connection: ConnectionInfo
    let content: ProtocolRouter.Content
    let direction: FlowDirection

    init(connection: ConnectionInfo, content: ProtocolRouter.Content, direction: FlowDirection) {
        self.connection = connection
        self.content = content
        self.direction = direction
    }
}

/// A connection's last event.
final class ClosedStream: @unchecked Sendable {
    let connection: Int
    let reason: CloseReason
    let statistics: ConnectionStatistics
    let time: Timestamp

    init(connection: Int, reason: CloseReason, statistics: ConnectionStatistics, time: Timestamp) {
        self.connection = connection
        self.reason = reason
        self.statistics = statistics
        self.time = time
    }
}

/// Events for one worker, filled on the reading thread and then handed over whole.
///
/// Thread safety: the reading thread fills it, the worker reads it, the pool hands it back;
/// the bounded queue between them orders every hand-over.
final class EventBatch: @unchecked Sendable {
    var events: [StreamEvent] = []
    /// Copied bytes (`StreamEvent.copied`).
    var bytes: [UInt8] = []
    /// Bytes of the capture map the events point to.
    var mappedBytes = 0
    /// The maps the events point into, retained until the worker is done with them.
    var regions: [StableRegion] = []
    /// Where the reading thread was (`ShardedRecorder.consumed`) at the batch's first event.
    var startedAt = 0

    init() {
        events.reserveCapacity(ShardedRecorder.maxEventsPerBatch)
    }

    var isEmpty: Bool { events.isEmpty }

    /// Empties the batch for reuse, keeping its capacity.
    func reset() {
        events.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        mappedBytes = 0
        regions.removeAll(keepingCapacity: true)
    }

    /// Appends in-order bytes: by reference when they lie in `region`, else copied.
    func append(connection: Int, bytes chunk: UnsafeRawBufferPointer, direction: FlowDirection, time: Timestamp,
                position: StreamPosition?, region: StableRegion?) {
        if let region, let base = chunk.baseAddress {
            if !regions.contains(where: { $0.owner === region.owner }) { regions.append(region) }
            events.append(.mapped(connection: connection, bytes: base, count: chunk.count, direction, time, position))
            mappedBytes &+= chunk.count
        } else {
            let offset = bytes.count
            bytes.append(contentsOf: chunk)
            events.append(.copied(connection: connection, offset: offset, count: chunk.count, direction, time, position))
        }
    }
}
