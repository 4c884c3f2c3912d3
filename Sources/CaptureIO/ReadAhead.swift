#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// A thread that reads the next part of a plain file into a spare `ReadBuffer` while the reader
/// parses the current one, so that the copy out of the page cache (a fifth of `sql`'s reading
/// thread over the 2 GB capture, issue 25) runs beside the reader instead of on it.
///
/// The spare is filled behind `carryRoom` bytes left free at its front: at the swap the reader
/// copies there the start of the record that straddles the two buffers, and the record is whole.
/// Anything out of the ordinary (a straddling start longer than the room, a read error, a
/// consumer keeping the spare's bytes) ends the thread, and the reader goes on reading
/// synchronously as before: slower, never wrong.
///
/// Thread safety: the thread writes only into the memory of the buffer it was handed, which the
/// reader neither reads nor hands out until `take()` returned it; both sides meet under `lock`.
final class ReadAhead: @unchecked Sendable {
    /// Bytes left free at the front of a buffer for the straddling record's start.
    let carryRoom: Int
    private let fd: Int32
    private let lock = ConditionLock()
    // Under `lock`.
    private var job: (memory: UnsafeMutableRawPointer, count: Int, offset: Int)?
    private var done: (count: Int, failed: Bool)?
    private var stopping = false
    private var thread: JoinableThread?
    /// The buffer being filled, owned by the reader's side (never touched by the thread).
    private var spare: ReadBuffer?
    private var spareOffset = 0

    /// Starts the thread; nil when none can be had.
    init?(fd: Int32, carryRoom: Int) {
        self.fd = fd
        self.carryRoom = carryRoom
        guard let thread = JoinableThread({ [self] in run() }) else { return nil }
        self.thread = thread
    }

    /// Starts filling `buffer` with the file bytes from `offset` (after `carryRoom`).
    func fill(_ buffer: ReadBuffer, from offset: Int) {
        spare = buffer
        spareOffset = offset
        lock.withLock {
            job = (buffer.memory + carryRoom, buffer.capacity &- carryRoom, offset)
            done = nil
            lock.broadcast()
        }
    }

    /// Waits for the buffer handed to `fill`, and returns it holding the file bytes from its
    /// offset on (`ReadBuffer.front` at `carryRoom`); nil when the read failed or none is pending.
    func take() -> ReadBuffer? {
        guard let buffer = spare else { return nil }
        let result = lock.withLock { () -> (count: Int, failed: Bool) in
            while done == nil && !stopping { lock.wait() }
            return done ?? (0, true)
        }
        spare = nil
        guard !result.failed else { return nil }
        buffer.hold(front: carryRoom, start: spareOffset, count: result.count,
                    reachedEnd: result.count < buffer.capacity &- carryRoom)
        return buffer
    }

    /// Stops the thread and waits for it (the buffer being filled is then the caller's again).
    func stop() {
        thread?.stop(under: lock) { stopping = true }
        thread = nil
        spare = nil
    }

    private func run() {
        lock.lock()
        while !stopping {
            guard let (memory, count, offset) = job else {
                lock.wait()
                continue
            }
            job = nil
            lock.unlock()
            var got = 0
            var failed = false
            while got < count {
                let n = pread(fd, memory + got, count &- got, off_t(offset &+ got))
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failed = true }
                if n <= 0 { break }
                got &+= n
            }
            lock.lock()
            done = (got, failed)
            lock.broadcast()
        }
        lock.unlock()
    }
}
