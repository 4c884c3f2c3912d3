#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

/// A window of a plain capture file copied into memory of its own with `pread`, refilled front to
/// back: how the native reader reads a regular file as long as nobody keeps record bytes.
///
/// Copying costs less than mapping (issue 25). Walking the records of the 2 GB benchmark capture
/// took 0.23 s of CPU through 256 KB reads into one buffer, against 0.5 s through the map (its
/// pages mapped ahead by a thread, faulted in and given back behind the reader), and the records
/// are then parsed from bytes still in the core's cache rather than from cold memory. What the
/// file holds resident is this buffer, whatever its size.
///
/// The buffer is registered as `StableMemory`, so that a consumer that keeps record bytes (the
/// decoding workers' batches, the upload hashers) retains it instead of copying. Its bytes must
/// then never change: at its next refill the reader finds that it is no longer the buffer's only
/// owner, leaves it to the consumers and reads the rest of the file through the map
/// (`NativeCaptureReader.refill`).
final class ReadBuffer: StableMemoryOwner, @unchecked Sendable {
    let memory: UnsafeMutableRawPointer
    let capacity: Int
    /// Where in `memory` the bytes held start (0 but for a buffer filled by `ReadAhead`).
    private(set) var front = 0
    /// File offset of the first byte held (`memory + front`).
    private(set) var start = 0
    /// Bytes held, from `start`.
    private(set) var count = 0
    /// A read met the end of the file: nothing lies after `start + count`.
    private(set) var reachedEnd = false

    var releasesPages: Bool { false }

    init(capacity: Int) {
        self.capacity = max(capacity, 4096)
        memory = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 64)
        StableMemory.register(UnsafeRawBufferPointer(start: memory, count: self.capacity), owner: self)
    }

    deinit {
        StableMemory.unregister(ObjectIdentifier(self))
        memory.deallocate()
    }

    // Memory of its own: nothing to map or give back.
    func dropPages(_ range: UnsafeRawBufferPointer) {}
    func populatePages(_ range: UnsafeRawBufferPointer) {}

    /// The bytes held are the file's from `start` at `memory + front` (`ReadAhead` read them).
    func hold(front: Int, start: Int, count: Int, reachedEnd: Bool) {
        self.front = front
        self.start = start
        self.count = count
        self.reachedEnd = reachedEnd
    }

    /// Puts the bytes `previous` holds from `keep` on in front of those this buffer holds, which
    /// must follow them in the file; false (nothing changed) when they do not fit or do not follow.
    func carry(from previous: ReadBuffer, keeping keep: Int) -> Bool {
        let end = previous.start &+ previous.count
        guard end == start, keep >= previous.start, keep <= end, end &- keep <= front else { return false }
        let tail = end &- keep
        front &-= tail
        if tail > 0 { (memory + front).copyMemory(from: previous.memory + previous.front + (keep &- previous.start), byteCount: tail) }
        start = keep
        count &+= tail
        return true
    }

    /// Makes the file bytes `[keep, end)` contiguous in `memory`, reading from `fd`, if the file
    /// has them: what is held from `keep` on moves to the front (a record that straddles two
    /// refills ends up whole), everything before `keep` is forgotten, and the rest of the buffer
    /// is read behind it. `end - keep` must not exceed `capacity`. Afterwards the buffer reaches
    /// `end`, or holds every byte up to the end of the file.
    /// - Throws: `CaptureError.unreadable` when the system fails the read (an I/O error).
    func fill(from fd: Int32, path: String, keeping keep: Int, through end: Int) throws(CaptureError) {
        if keep >= start, keep <= start &+ count {
            let kept = start &+ count &- keep
            if kept > 0 && (keep > start || front > 0) { memmove(memory, memory + front + (keep &- start), kept) }
            count = kept
        } else {
            // Back before the buffer or past it (the reader went through the map meanwhile).
            count = 0
            reachedEnd = false
        }
        front = 0
        start = keep
        while start &+ count < end && count < capacity && !reachedEnd {
            let n = pread(fd, memory + count, capacity &- count, off_t(start &+ count))
            if n < 0 {
                if errno == EINTR { continue }
                throw CaptureError(.unreadable, path: path, offset: start &+ count,
                                   "cannot read the file: \(String(cString: strerror(errno)))")
            }
            if n == 0 { reachedEnd = true } else { count &+= n }
        }
    }
}
