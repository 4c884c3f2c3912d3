import CaptureIO
import Reassembly

/// What the reassembler sees of a connection a worker decodes: every call is recorded, in
/// order, into the batch of the connection's worker (`ShardedRecorder`).
final class ShardProxy: StreamConsumer {
    private let connection: Int
    private let worker: Int
    // The recorder outlives the reassembler's consumers (the session holds both, and closes
    // every connection before the recorder finishes).
    private unowned(unsafe) let recorder: ShardedRecorder

    init(connection: Int, worker: Int, recorder: ShardedRecorder) {
        self.connection = connection
        self.worker = worker
        self.recorder = recorder
    }

    func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
        recorder.record(bytes, connection: connection, worker: worker, direction: direction, time: time, position: nil)
    }

    func receive(_ bytes: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp, position: StreamPosition) {
        recorder.record(bytes, connection: connection, worker: worker, direction: direction, time: time, position: position)
    }

    func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        var event = StreamEvent(.gap, connection: connection, direction: direction, time: time)
        event.count = count
        recorder.record(event, worker: worker)
    }

    func notCaptured(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        var event = StreamEvent(.notCaptured, connection: connection, direction: direction, time: time)
        event.count = count
        recorder.record(event, worker: worker)
    }

    func finished(direction: FlowDirection, at time: Timestamp) {
        recorder.record(StreamEvent(.finished, connection: connection, direction: direction, time: time), worker: worker)
    }

    func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) {
        recorder.recordClose(ClosedStream(reason: reason, statistics: statistics), connection: connection, worker: worker,
                             time: time)
    }
}
