import CaptureIO

/// Formats a long list (one line per HTTP exchange or SQL command, one JSON element per fact) on
/// several threads and hands the text out in list order.
///
/// The list is cut into chunks of `chunkLength` items; each thread takes the next chunk, formats
/// it into a buffer of its own and puts it aside; the calling thread hands the chunks to `emit`
/// in order. At most `chunksInFlight` chunks are formatted or waiting at once, so memory stays a
/// few chunks however long the list. Each thread makes its own `Worker` (its readers of the fact
/// stores, whose read-ahead buffers cannot be shared), so the format function needs no lock.
///
/// The text is the one-thread text byte for byte as long as `format` writes each item's text
/// from the item alone: whatever a worker caches across items (a minute's text, the last
/// request's label) is a cache, never a part of the output.
package struct OrderedChunkFormatter: Sendable {
    package var threads: Int
    package var chunkLength: Int
    package var chunksInFlight: Int

    /// Threads by default: one per processor, up to this many (each holds a spill reader's
    /// buffer and its chunks; the writer's one thread would not keep up with more anyway).
    package static let maxDefaultThreads = 4

    /// Formats on every processor (the threads mostly format while the caller writes).
    package init(threads: Int = min(JoinableThread.processorCount, OrderedChunkFormatter.maxDefaultThreads),
                 chunkLength: Int = 256, chunksInFlight: Int? = nil) {
        self.threads = max(1, threads)
        self.chunkLength = max(1, chunkLength)
        self.chunksInFlight = max(self.threads, chunksInFlight ?? 2 * self.threads)
    }

    /// Formats items `0..<count`; `format(&worker, range, &text)` appends the text of `range`.
    package func run<Worker>(count: Int, makeWorker: @escaping @Sendable () -> Worker,
                             format: @escaping @Sendable (inout Worker, Range<Int>, inout String) -> Void,
                             emit: (String) -> Void) {
        run(count: count, empty: "", makeWorker: makeWorker, format: format, emit: emit)
    }

    /// Formats items `0..<count` into chunks of any kind (a String, UTF-8 bytes), each starting
    /// as `empty`; `format(&worker, range, &chunk)` appends the text of `range`.
    package func run<Worker, Chunk: Sendable>(count: Int, empty: Chunk, makeWorker: @escaping @Sendable () -> Worker,
                                              format: @escaping @Sendable (inout Worker, Range<Int>, inout Chunk) -> Void,
                                              emit: (Chunk) -> Void) {
        guard count > 0 else { return }
        let chunks = (count &+ chunkLength &- 1) / chunkLength
        let state = ChunkState<Chunk>(chunks: chunks)
        let length = chunkLength, inFlight = chunksInFlight
        let work: @Sendable () -> Void = {
            var worker = makeWorker()
            while let chunk = state.claim(inFlight: inFlight) {
                let start = chunk &* length
                var text = empty
                format(&worker, start..<min(start &+ length, count), &text)
                state.finish(chunk, text)
            }
        }
        var started: [JoinableThread] = []
        if threads > 1 && chunks > 1 {
            for _ in 0..<min(threads, chunks) {
                guard let thread = JoinableThread(work) else { break }
                started.append(thread)
            }
        }
        // No thread to be had (or one chunk): the caller formats, chunk after chunk.
        if started.isEmpty {
            var worker = makeWorker()
            for chunk in 0..<chunks {
                let start = chunk &* length
                var text = empty
                format(&worker, start..<min(start &+ length, count), &text)
                emit(text)
            }
            return
        }
        for chunk in 0..<chunks { emit(state.take(chunk)) }
        for thread in started { thread.join() }
    }
}

/// The chunks being formatted and those waiting to be written, behind one lock.
private final class ChunkState<Chunk>: @unchecked Sendable {
    private let lock = ConditionLock()
    private let chunks: Int
    private var nextToClaim = 0
    /// The chunk being written (every one before it is written): a thread claims a chunk only
    /// within `inFlight` of it, so the chunk being written counts as one in flight.
    private var taken = 0
    private var done: [Int: Chunk] = [:]

    init(chunks: Int) {
        self.chunks = chunks
    }

    /// The next chunk to format, once there is room; nil when every chunk is claimed.
    func claim(inFlight: Int) -> Int? {
        lock.withLock {
            while nextToClaim < chunks && nextToClaim >= taken &+ inFlight { lock.wait() }
            guard nextToClaim < chunks else { return nil }
            nextToClaim &+= 1
            return nextToClaim &- 1
        }
    }

    func finish(_ chunk: Int, _ text: Chunk) {
        lock.withLock {
            done[chunk] = text
            lock.broadcast()
        }
    }

    /// Waits for `chunk`'s text and takes it, making room for another.
    func take(_ chunk: Int) -> Chunk {
        lock.withLock {
            while true {
                if let text = done.removeValue(forKey: chunk) {
                    taken = chunk
                    lock.broadcast()
                    return text
                }
                lock.wait()
            }
        }
    }
}
