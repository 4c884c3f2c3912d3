import CaptureIO

/// Gives back the capture map's pages that every worker is done with.
///
/// The reader releases the pages behind its cursor every megabyte (`MappedFile`); a worker a
/// little behind it faults back in, from the page cache, the ones it still reads, and those would
/// stay resident until the reader's next sweep, tens of megabytes later. So the reading thread
/// also releases, every so often, the pages below the lowest address any worker may still read:
/// the first mapped byte of each worker's oldest batch not yet replayed. Map addresses grow with
/// the reader's order in one file; with several files (several maps) nothing is released here.
struct MapPageRelease {
    /// Per worker: the lowest map address of each batch handed over and not known to be replayed,
    /// oldest first, and how many batches were handed over before the first of them.
    private var pending: [[UInt]]
    private var pendingBase: [Int]
    private var region: StableRegion?
    private var singleMap = true
    /// Maps met so far.
    private var maps = 0
    /// Everything below this address was released here.
    private var releasedUpTo: UInt = 0

    /// Released only in steps of at least this much (one `madvise` each).
    static let step: UInt = 512 << 10

    init(workers: Int) {
        pending = Array(repeating: [], count: workers)
        pendingBase = Array(repeating: 0, count: workers)
    }

    /// The recorder met stable region `found`; a second map turns the releasing off. A reader's
    /// buffer (`ReadBuffer`: a plain file's first records, before a consumer kept them) is no map
    /// and gives nothing back: it is not counted, and batches that point into it only ever hold
    /// the releasing back (their lowest address counts as if it were one of the map's).
    mutating func use(_ found: StableRegion, serial: Int) {
        guard found.owner.releasesPages else { return }
        maps &+= 1
        if maps > 1 { singleMap = false }
        if region == nil {
            region = found
            releasedUpTo = UInt(bitPattern: found.start)
        }
    }

    /// `batch` goes to worker `k` (one without map bytes holds nothing back: `.max`).
    mutating func handingOver(_ batch: EventBatch, to k: Int) {
        guard singleMap, region != nil else { return }
        pending[k].append(batch.mappedLow)
    }

    /// Releases what no worker may still read, the reader being at `cursor`.
    mutating func release(cursor: UInt, workers: [DecodingWorker], filling: [EventBatch]) {
        // A cursor outside the map (records still read into the reader's buffer, see `use`)
        // says nothing about the map.
        guard singleMap, let region, cursor > releasedUpTo &+ MapPageRelease.step,
              cursor <= UInt(bitPattern: region.end) else { return }
        var safe = cursor
        for k in workers.indices {
            let replayed = workers[k].finished.withLock { $0 }
            let done = min(replayed &- pendingBase[k], pending[k].count)
            if done > 0 {
                pending[k].removeFirst(done)
                pendingBase[k] &+= done
            }
            // A handful of batches: the queue's and the one being replayed.
            for low in pending[k] where low < safe { safe = low }
            if filling[k].mappedLow < safe { safe = filling[k].mappedLow }
        }
        guard safe > releasedUpTo &+ MapPageRelease.step,
              let low = UnsafeRawPointer(bitPattern: releasedUpTo) else { return }
        region.owner.dropPages(UnsafeRawBufferPointer(start: low, count: Int(safe &- releasedUpTo)))
        releasedUpTo = safe
    }
}
