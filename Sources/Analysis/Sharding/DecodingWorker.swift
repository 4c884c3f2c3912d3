#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CaptureIO
import Reassembly

/// One decoding thread: it owns a `ProtocolRouter` (its decoders, its fact stores and their
/// spill files, its copy of the key log) and replays on it the events of the connections the
/// reading thread gave it, in the order the reassembler made them.
///
/// Thread safety: after `start()` only the worker's thread touches `router` and the decoders,
/// until `join()` returns; the reading thread talks to it through `queue` and `spare` alone.
final class DecodingWorker: @unchecked Sendable {
    let router: ProtocolRouter
    let queue: BatchQueue
    /// Emptied batches, back to the reading thread for reuse.
    let spare = LockedValue<[EventBatch]>([])
    private var consumers: [Int: StreamConsumer] = [:]
    private var thread: pthread_t?

    init(router: ProtocolRouter, queueCapacity: Int) {
        self.router = router
        queue = BatchQueue(capacity: queueCapacity)
    }

    /// Starts the thread; false when the system refuses one (the caller then decodes inline).
    func start() -> Bool {
        let context = Unmanaged.passRetained(self).toOpaque()
        var made = pthread_t()
        let status = pthread_create(&made, nil, { raw in
            guard let raw else { return nil }
            let worker = Unmanaged<DecodingWorker>.fromOpaque(raw).takeRetainedValue()
            worker.run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<DecodingWorker>.fromOpaque(context).release()
            return false
        }
        thread = made
        return true
    }

    /// Waits for the thread to have replayed every batch up to the end marker.
    func join() {
        guard let thread else { return }
        pthread_join(thread, nil)
        self.thread = nil
    }

    private func run() {
        while let batch = queue.pop() {
            replay(batch)
            batch.reset()
            spare.withLock { $0.append(batch) }
        }
    }

    /// Replays a batch on the connections' decoders (also called inline, without a thread).
    func replay(_ batch: EventBatch) {
        batch.bytes.withUnsafeBytes { copied in
            for event in batch.events { replay(event, copied: copied) }
        }
    }

    private func replay(_ event: StreamEvent, copied: UnsafeRawBufferPointer) {
        switch event {
        case .open(let opened):
            consumers[opened.connection.index] = router.consumer(for: opened.connection, content: opened.content,
                                                                 direction: opened.direction)
        case .mapped(let connection, let base, let count, let direction, let time, let position):
            guard let consumer = consumers[connection] else { return }
            deliver(UnsafeRawBufferPointer(start: base, count: count), to: consumer, direction, time, position)
        case .copied(let connection, let offset, let count, let direction, let time, let position):
            guard let consumer = consumers[connection], offset >= 0, count >= 0, offset <= copied.count &- count else { return }
            deliver(UnsafeRawBufferPointer(rebasing: copied[offset..<(offset &+ count)]), to: consumer, direction, time, position)
        case .gap(let connection, let count, let direction, let time):
            consumers[connection]?.gap(count, direction: direction, at: time)
        case .notCaptured(let connection, let count, let direction, let time):
            consumers[connection]?.notCaptured(count, direction: direction, at: time)
        case .finished(let connection, let direction, let time):
            consumers[connection]?.finished(direction: direction, at: time)
        case .close(let closed):
            consumers.removeValue(forKey: closed.connection)?.close(reason: closed.reason, statistics: closed.statistics,
                                                                    at: closed.time)
        case .shedding(let connection, let starting):
            router.sheddingConnection = starting ? connection : nil
        case .secrets(let secrets):
            router.addSecrets(secrets)
        }
    }

    private func deliver(_ bytes: UnsafeRawBufferPointer, to consumer: StreamConsumer, _ direction: FlowDirection,
                         _ time: Timestamp, _ position: StreamPosition?) {
        if let position {
            consumer.receive(bytes, direction: direction, at: time, position: position)
        } else {
            consumer.receive(bytes, direction: direction, at: time)
        }
    }
}
