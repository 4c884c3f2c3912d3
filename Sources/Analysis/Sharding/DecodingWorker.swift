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
    /// Batches replayed so far (the reader works out which map pages no worker still needs).
    let finished = LockedValue(0)
    private var consumers: [Int: StreamConsumer] = [:]
    private var thread: JoinableThread?

    init(router: ProtocolRouter, queueCapacity: Int) {
        self.router = router
        queue = BatchQueue(capacity: queueCapacity)
    }

    /// Starts the thread; false when the system refuses one (the caller then decodes inline).
    func start() -> Bool {
        thread = JoinableThread { [self] in run() }
        return thread != nil
    }

    /// Waits for the thread to have replayed every batch up to the end marker.
    func join() {
        thread?.join()
        thread = nil
    }

    private func run() {
        while let batch = queue.pop() {
            replay(batch)
            batch.reset()
            spare.withLock { $0.append(batch) }
            finished.withLock { $0 &+= 1 }
        }
    }

    /// Replays a batch on the connections' decoders (also called inline, without a thread).
    func replay(_ batch: EventBatch) {
        batch.bytes.withUnsafeBytes { copied in
            for event in batch.events { replay(event, of: batch, copied: copied) }
        }
    }

    /// The consumer of the last event's connection: runs of events of one connection (a bulk
    /// transfer's segments) skip the table lookup.
    private var recentConnection = -1
    private var recentConsumer: StreamConsumer?

    private func consumer(_ connection: Int) -> StreamConsumer? {
        if connection == recentConnection { return recentConsumer }
        let found = consumers[connection]
        recentConnection = connection
        recentConsumer = found
        return found
    }

    private func replay(_ event: StreamEvent, of batch: EventBatch, copied: UnsafeRawBufferPointer) {
        switch event.kind {
        case .open:
            guard batch.opened.indices.contains(Int(event.value)) else { return }
            let opened = batch.opened[Int(event.value)]
            consumers[event.connection] = router.consumer(for: opened.connection, content: opened.content,
                                                          direction: opened.direction)
            if recentConnection == event.connection { recentConnection = -1; recentConsumer = nil }
        case .mapped:
            guard let consumer = consumer(event.connection), let base = UnsafeRawPointer(bitPattern: event.value) else { return }
            deliver(UnsafeRawBufferPointer(start: base, count: event.count), to: consumer, event)
        case .copied:
            let start = Int(event.value)
            guard let consumer = consumer(event.connection), event.count >= 0, start <= copied.count &- event.count else { return }
            deliver(UnsafeRawBufferPointer(rebasing: copied[start..<(start &+ event.count)]), to: consumer, event)
        case .gap:
            consumer(event.connection)?.gap(event.count, direction: event.direction, at: event.time)
        case .notCaptured:
            consumer(event.connection)?.notCaptured(event.count, direction: event.direction, at: event.time)
        case .finished:
            consumer(event.connection)?.finished(direction: event.direction, at: event.time)
        case .close:
            guard batch.closed.indices.contains(Int(event.value)) else { return }
            let closed = batch.closed[Int(event.value)]
            if recentConnection == event.connection { recentConnection = -1; recentConsumer = nil }
            consumers.removeValue(forKey: event.connection)?.close(reason: closed.reason, statistics: closed.statistics,
                                                                   at: event.time)
        case .sheddingStarts:
            router.sheddingConnection = event.connection
        case .sheddingEnds:
            router.sheddingConnection = nil
        case .secrets:
            guard batch.secrets.indices.contains(Int(event.value)) else { return }
            router.addSecrets(batch.secrets[Int(event.value)])
        }
    }

    private func deliver(_ bytes: UnsafeRawBufferPointer, to consumer: StreamConsumer, _ event: StreamEvent) {
        if let position = event.position {
            consumer.receive(bytes, direction: event.direction, at: event.time, position: position)
        } else {
            consumer.receive(bytes, direction: event.direction, at: event.time)
        }
    }
}
