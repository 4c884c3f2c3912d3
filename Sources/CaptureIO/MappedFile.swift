#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole regular file mapped read-only, read front to back.
///
/// The native reader reads a plain file into a `ReadBuffer` (copying costs less than mapping)
/// until a consumer keeps record bytes, and through this map from then on (and for records longer
/// than the buffer): records are then zero copy, a record's bytes a view into it. Two chores keep
/// it cheap, both driven by `upkeep(at:recordsSinceLast:)`:
/// - A file-backed page counts in resident memory once touched, so consumed pages are handed
///   back to the kernel every `releaseInterval` bytes (they stay in the page cache); without it a
///   2 GB capture would end with 2 GB resident.
/// - Pages the page cache lacks (never read, or reclaimed since) would each stop the reader for a
///   disk read when first touched. Every `releaseInterval` the map asks the kernel to start
///   reading the next `readAheadDistance` bytes (`MADV_WILLNEED`), so they are there in time;
///   for cached pages the request costs a lookup.
/// - Finding record n+1 needs the length in record n's header: a chain of dependent loads the
///   CPU's prefetchers cannot follow when packets are small and the consumer reads only their
///   headers, so each record would cost a full memory latency. Touching the cache lines a little
///   ahead in address order turns that back into a sequential stream.
///
/// On a file big enough, the releasing and the read-ahead move to a thread of their own, which
/// also maps the pages ahead of the cursor (`MappedPageKeeper`): the reader then neither faults
/// nor unmaps.
///
/// The map is registered as `StableMemory`: the upload hasher keeps record bytes by retaining the
/// map, which then outlives the reader until the hasher is done.
///
/// Thread safety: the reader's thread does everything but `populatePages` and `dropPages`, which
/// any thread may call.
final class MappedFile: StableMemoryOwner, @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let pageSize: Int
    private var releaseInterval: Int
    /// Everything before this offset was already given back.
    private var releasedUpTo = 0
    /// Everything before this offset was given back in one sweep (see `release(before:)`).
    private var sweptUpTo = 0
    private var nextRelease: Int
    private var touchedUpTo = 0
    /// Read-ahead was requested for everything before this offset.
    private var readAheadUpTo = 0
    /// Where the touched bytes go, so that the optimiser keeps the loads (Swift has no prefetch).
    private var touchSink: UInt8 = 0
    /// The same for `populatePages`, which any thread may call.
    private let populateSink = LockedValue<UInt8>(0)
    /// The thread doing the page chores, while the reader reads.
    private(set) var keeper: MappedPageKeeper?

    /// Touch from this far ahead of the cursor, this much at a time, one load per cache line.
    static let touchDistance = 64 << 10
    static let touchChunk = 32 << 10
    static let cacheLine = 64
    /// How far ahead of the cursor the kernel is asked to have the file read.
    static let readAheadDistance = 32 << 20
    /// How far the cursor moves between two sweeps of every page before it.
    static let sweepInterval = 32 << 20
    /// How far the page keeper may lag behind the cursor in giving pages back before the reader
    /// gives them back itself.
    static let keeperLag = 1 << 20
    /// Records at least this long on average are not worth touching ahead for: one miss per
    /// record is nothing next to the bytes the consumer reads.
    static let denseRecordLength = 4096

    /// Maps `count` bytes of the open descriptor `fd`; nil when the kernel refuses (then the
    /// caller streams the file instead). A file over twice `populateDistance` gets a
    /// `MappedPageKeeper` that keeps that much mapped ahead of the cursor (0: none).
    /// `readsAhead`: whether the kernel is asked at once to read the first pages ahead (a
    /// caller that reads only the header, while others read the records, does without).
    init?(fd: Int32, count: Int, releaseInterval: Int, populateDistance: Int = 0, readsAhead: Bool = true) {
        guard count > 0 else { return nil }
        guard let raw = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0),
              raw != UnsafeMutableRawPointer(bitPattern: -1) else { return nil }
        // Sequential: the kernel reads ahead aggressively and we promise not to jump around.
        _ = madvise(raw, count, MADV_SEQUENTIAL)
        base = UnsafeRawPointer(raw)
        self.count = count
        let page = sysconf(Int32(_SC_PAGESIZE))
        pageSize = page > 0 ? page : 4096
        self.releaseInterval = max(releaseInterval / pageSize * pageSize, pageSize)
        nextRelease = self.releaseInterval
        if readsAhead { readAhead(from: 0) }
        beginReading(at: 0, populateDistance: populateDistance)
        StableMemory.register(UnsafeRawBufferPointer(start: base, count: count), owner: self)
    }

    /// The reader reads through the map from `offset` on (the pages before it were never read
    /// through it): a file over twice `populateDistance` gets a `MappedPageKeeper` (0: none).
    func beginReading(at offset: Int, populateDistance: Int) {
        let start = min(max(offset, 0), count) / pageSize * pageSize
        releasedUpTo = max(releasedUpTo, start)
        sweptUpTo = max(sweptUpTo, start)
        readAheadUpTo = max(readAheadUpTo, start)
        nextRelease = start &+ releaseInterval
        guard keeper == nil, populateDistance > 0, count / 2 > populateDistance else { return }
        // With a keeper the interval is how often the reader tells it where it is: at least
        // twice per distance, so that the pages ahead are mapped before the reader gets there.
        releaseInterval = max(min(releaseInterval, populateDistance / 2) / pageSize * pageSize, pageSize)
        nextRelease = start &+ releaseInterval
        keeper = MappedPageKeeper(base: base, count: count, pageSize: pageSize, populateDistance: populateDistance,
                                  step: releaseInterval, from: start)
    }

    deinit {
        keeper?.stop()
        StableMemory.unregister(ObjectIdentifier(self))
        munmap(UnsafeMutableRawPointer(mutating: base), count)
    }

    func populatePages(_ range: UnsafeRawBufferPointer) {
        // Touched, not `MADV_POPULATE_READ`: one fault per 16 pages costs less than the call's
        // walk page by page (`MappedPageKeeper.populate(from:to:)`).
        guard let pages = pages(of: range, inward: false) else { return }
        let sum = MappedPageKeeper.touch(base + pages.lowerBound, count: pages.count)
        populateSink.withLock { $0 &+= sum }
    }

    /// Gives back every page that holds a byte of `[from, to)` (a few records the reader read
    /// through the map).
    func release(from: Int, to: Int) {
        let first = max(from, 0) / pageSize * pageSize
        let end = min(to, count)
        guard end > first else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + first), end &- first, MADV_DONTNEED)
    }

    func dropPages(_ range: UnsafeRawBufferPointer) {
        guard let pages = pages(of: range, inward: true) else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + pages.lowerBound), pages.count, MADV_DONTNEED)
    }

    /// The page-aligned offsets covering `range` (or, `inward`, only the pages wholly inside it);
    /// nil when `range` is not in the map or covers no page.
    private func pages(of range: UnsafeRawBufferPointer, inward: Bool) -> Range<Int>? {
        guard let start = range.baseAddress, start >= base, range.count <= base + count - start else { return nil }
        let first = (start - base + (inward ? pageSize - 1 : 0)) / pageSize * pageSize
        let end = inward ? (start - base + range.count) / pageSize * pageSize : min(count, start - base + range.count)
        return end > first ? first..<end : nil
    }

    /// Called with the offset of the next record to read (every byte before it is consumed) and
    /// how many records were read since the last call; returns the offset of the next call.
    func upkeep(at offset: Int, recordsSinceLast records: Int) -> Int {
        if offset >= nextRelease {
            if let keeper {
                let released = keeper.advance(to: offset)
                if offset &- released > MappedFile.keeperLag {
                    // What the keeper gave back is not given back again (nor swept from 0).
                    let page = released / pageSize * pageSize
                    releasedUpTo = max(releasedUpTo, page)
                    sweptUpTo = max(sweptUpTo, page)
                    release(before: offset)
                }
            } else {
                release(before: offset)
                readAhead(from: offset)
            }
            nextRelease = offset &+ releaseInterval
        }
        if records &* MappedFile.denseRecordLength > MappedFile.touchChunk {
            touch(from: max(offset &+ MappedFile.touchDistance, touchedUpTo))
        }
        return min(nextRelease, offset &+ MappedFile.touchChunk)
    }

    /// Drops the pages wholly before `offset` from this process's resident set.
    ///
    /// Reading them again stays correct (they fault back in from the page cache), so a caller
    /// that releases too eagerly only loses time, never data.
    func release(before offset: Int) {
        let end = min(offset, count) / pageSize * pageSize
        guard end > releasedUpTo else { return }
        // Pages before `releasedUpTo` come back: the upload hashers map their batches' pages
        // again, keep those at a batch's ends, and a fault maps its neighbours with it (the
        // kernel's fault-around). Scattered over the file they added up to 30 MB on a capture of
        // 400 uploads (issue 25), so now and then everything before the cursor goes.
        let from = end &- sweptUpTo >= MappedFile.sweepInterval ? 0 : releasedUpTo
        if from == 0 { sweptUpTo = end }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + from), end - from, MADV_DONTNEED)
        releasedUpTo = end
    }

    /// Drops every page of the map from this process's resident set (the reader is done; the
    /// hashers map again what they still read).
    func releaseAll() {
        keeper?.stop()
        keeper = nil
        _ = madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_DONTNEED)
        releasedUpTo = count / pageSize * pageSize
        sweptUpTo = releasedUpTo
    }

    private func readAhead(from offset: Int) {
        let start = max(readAheadUpTo, offset) / pageSize * pageSize
        let end = min(offset &+ MappedFile.readAheadDistance, count)
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_WILLNEED)
        readAheadUpTo = end
    }

    private func touch(from start: Int) {
        let end = min(start &+ MappedFile.touchChunk, count)
        var sum: UInt8 = 0
        var offset = start
        while offset < end {
            sum &+= base.load(fromByteOffset: offset, as: UInt8.self)
            offset &+= MappedFile.cacheLine
        }
        touchSink &+= sum
        touchedUpTo = max(end, touchedUpTo)
    }
}
