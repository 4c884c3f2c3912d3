import CaptureIO
import Reassembly

/// What the reassembler sees of a connection a worker decodes: every call is recorded, in
/// order, into the batch of the connection's worker (`ShardedRecorder`).
final class ShardProxy: StreamConsumer {
    private let connection: Int
    private let worker: Int
    private let recorder: ShardedRecorder

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
        recorder.record(.gap(connection: connection, count: count, direction, time), worker: worker)
    }

    func notCaptured(_ count: Int, direction: FlowDirection, at time: Timestamp) {
        recorder.record(.notCaptured(connection: connection, count: count, direction, time), worker: worker)
    }

    func finished(direction: FlowDirection, at time: Timestamp) {
        recorder.record(.finished(connection: connection, direction, time), worker: worker)
    }

    func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) {
        let closed = ClosedStream(connection: connection, reason: reason, statistics: statistics, time: time)
        recorder.record(.close(closed), worker: worker)
    }
}
