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
/// Here another thread does both: it touches the pages `populateDistance` bytes ahead of the
/// cursor (`populate(from:to:)`), so the reader finds them mapped, and gives back the pages
/// wholly before the cursor, so what the capture holds resident stays a few megabytes.
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
    /// One touch per this many bytes maps them all (the kernel's default `fault_around_bytes`).
    static let faultStride = 64 << 10

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
    private var touchSink: UInt8 = 0

    private var thread: JoinableThread?

    /// Starts the thread; nil when none can be had (the reader then does the chores itself).
    /// `from`: the reader's offset now (page aligned); the pages before it were never mapped.
    init?(base: UnsafeRawPointer, count: Int, pageSize: Int, populateDistance: Int, step: Int, from offset: Int = 0) {
        self.base = UnsafeMutableRawPointer(mutating: base)
        cursor = offset
        publishedRelease = offset
        populatedUpTo = offset
        releasedUpTo = offset
        sweptUpTo = offset
        readAheadUpTo = offset
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
        thread?.stop(under: lock) { stopping = true }
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

    /// Maps the pages of `[start, end)` by touching them (`touch(_:count:)`).
    ///
    /// A touch faults, and the fault maps its neighbours with it (the kernel's fault-around, 64
    /// KB by default): 32,768 faults for a 2 GB capture. `MADV_POPULATE_READ` maps the same
    /// pages in one call but walks them one by one (`__get_user_pages`), and cost half as much
    /// again: 0.28 s of system time against 0.19 s over capture-2G, with the release behind
    /// included (issue 25). A page the fault-around left out is faulted by the reader: slower,
    /// never wrong.
    private func populate(from start: Int, to end: Int) {
        touchSink &+= MappedPageKeeper.touch(base + start / pageSize * pageSize, count: end &- start / pageSize * pageSize)
        populatedUpTo = max(populatedUpTo, end)
    }

    /// One load per `faultStride` bytes of `[start, start + count)` and one of its last byte;
    /// returns what was loaded, for the caller to keep (so that the loads stay).
    static func touch(_ start: UnsafeRawPointer, count: Int) -> UInt8 {
        guard count > 0 else { return 0 }
        var sum = start.load(fromByteOffset: count &- 1, as: UInt8.self)
        var offset = 0
        while offset < count {
            sum &+= start.load(fromByteOffset: offset, as: UInt8.self)
            offset &+= faultStride
        }
        return sum
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
