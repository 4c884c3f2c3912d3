#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread beside the capture reader that keeps the map's pages ready around the reader's
/// cursor: it maps the pages ahead of it and gives back those behind it.
///
/// A file-backed page costs a fault when the reader first touches it (the kernel maps it and its
/// neighbours), and giving pages back (`MADV_DONTNEED`) costs the unmapping: on `info` over a
/// 2 GB capture the two were a third of the run's time, all on the reading thread (issue 25).
/// Here another thread does both: `MADV_POPULATE_READ` (Linux 5.14) maps `populateDistance`
/// bytes ahead of the cursor in one call per step, so the reader finds its pages mapped, and the
/// pages wholly before the cursor are given back, so what the capture holds resident stays a
/// few megabytes. A kernel without `MADV_POPULATE_READ` gets the pages touched instead.
///
/// The reader only publishes its cursor (`advance(to:)`); it never waits for this thread, and if
/// this thread falls behind, the reader faults its pages in itself as before: slower, never
/// wrong. Releasing is correct at any time (a page given back faults in again when read), so the
/// upload hashers, which read behind the cursor, keep working.
final class MappedPageKeeper: @unchecked Sendable {
    private let base: UnsafeMutableRawPointer
    private let count: Int
    private let pageSize: Int
    private let populateDistance: Int
    /// Cursor moves smaller than this are not worth waking the thread for.
    private let step: Int

    private let lock = ConditionLock()
    // Under `lock`.
    private var cursor = 0
    private var stopping = false
    /// `releasedUpTo` as of the last round, for the reader to see how far behind this thread is.
    private var publishedRelease = 0
    // This thread's own.
    private var populatedUpTo = 0
    private var releasedUpTo = 0
    /// Everything before this offset was given back in one sweep (see `release(before:)`).
    private var sweptUpTo = 0
    private var readAheadUpTo = 0
    /// Pages are touched, not populated, after the kernel refused `MADV_POPULATE_READ`.
    private var touches = false
    private var touchSink: UInt8 = 0

    private var thread: JoinableThread?

    /// Starts the thread; nil when none can be had (the reader then does the chores itself).
    init?(base: UnsafeRawPointer, count: Int, pageSize: Int, populateDistance: Int, step: Int) {
        self.base = UnsafeMutableRawPointer(mutating: base)
        self.count = count
        self.pageSize = pageSize
        self.populateDistance = max(populateDistance, pageSize)
        self.step = max(min(step, self.populateDistance / 2), pageSize)
        guard let thread = JoinableThread({ [self] in run() }) else { return nil }
        self.thread = thread
    }

    /// The reader is at `offset`: every byte before it is consumed. Returns the offset before
    /// which this thread has given every page back (a thread starved by a busy machine lags,
    /// and the reader then releases pages itself, so that memory stays bounded).
    func advance(to offset: Int) -> Int {
        lock.withLock {
            cursor = offset
            lock.broadcast()
            return publishedRelease
        }
    }

    /// Stops the thread and waits for it; the caller then owns every page chore again.
    func stop() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
        thread?.join()
        thread = nil
    }

    private func run() {
        lock.lock()
        while !stopping {
            let at = cursor
            let wanted = min(count, at &+ populateDistance)
            let populates = populatedUpTo < wanted && (wanted &- populatedUpTo >= step || wanted == count)
            if !populates && at &- releasedUpTo < step {
                lock.wait()
                continue
            }
            lock.unlock()
            populate(from: max(populatedUpTo, at), to: wanted)
            release(before: at)
            readAhead(from: at)
            lock.lock()
            publishedRelease = releasedUpTo
        }
        lock.unlock()
    }

    private func populate(from start: Int, to end: Int) {
        let first = start / pageSize * pageSize
        // Nothing left to map (the reader is at the end): done up to there all the same, or the
        // loop would find the same work again and again.
        guard end > first else { populatedUpTo = max(populatedUpTo, end); return }
        if !touches, madvise(base + first, end &- first, 22 /* MADV_POPULATE_READ */) != 0 {
            // EINVAL: a kernel before 5.14. Any other failure (EFAULT past a truncated file's
            // end) leaves the reader to meet the problem itself.
            if errno == EINVAL { touches = true } else { populatedUpTo = end; return }
        }
        if touches {
            var sum: UInt8 = 0
            var offset = first
            while offset < end {
                sum &+= base.load(fromByteOffset: offset, as: UInt8.self)
                offset &+= pageSize
            }
            touchSink &+= sum
        }
        populatedUpTo = end
    }

    /// Gives back the pages wholly before `offset` (see `MappedFile.release(before:)`).
    private func release(before offset: Int) {
        let end = min(offset, count) / pageSize * pageSize
        guard end > releasedUpTo else { return }
        // Now and then everything before the cursor goes: the upload hashers map their batches'
        // pages again behind it, and left alone those add up (`MappedFile.sweepInterval`).
        let from = end &- sweptUpTo >= MappedFile.sweepInterval ? 0 : releasedUpTo
        if from == 0 { sweptUpTo = end }
        _ = madvise(base + from, end &- from, MADV_DONTNEED)
        releasedUpTo = end
    }

    /// Asks the kernel to read the file far ahead, so that populating finds it cached.
    private func readAhead(from offset: Int) {
        let start = max(readAheadUpTo, offset) / pageSize * pageSize
        let end = min(offset &+ MappedFile.readAheadDistance, count)
        guard end &- start >= MappedFile.readAheadDistance / 4 || (end == count && end > start) else { return }
        _ = madvise(base + start, end &- start, MADV_WILLNEED)
        readAheadUpTo = end
    }
}
