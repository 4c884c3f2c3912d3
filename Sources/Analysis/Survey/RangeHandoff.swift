import CaptureIO
import Synchronization

/// How `info`'s two threads share a file's chunks (`CaptureSurvey+Ranges`).
///
/// The file after its first record is cut into chunks at fixed offsets: `chunkBytes` each, then
/// shrinking towards the file's end (`chunkStarts`). The walking thread takes them in order.
/// The other thread walks ahead, a chunk at a time, and logs what it found; when the walking
/// thread reaches a chunk the other is still walking, it asks the other to stop there (a cede),
/// replays what was logged and walks the rest of the chunk itself, while the other moves on to
/// the next chunk. Neither thread waits for the other beyond a cede, whatever their speeds (a
/// loaded machine, a chunk of small records), and the file's end leaves only a short range to
/// replay alone.
final class RangeHandoff: @unchecked Sendable {
    /// File offsets where the chunks start, increasing; the last chunk runs to the file's end.
    private let starts: [Int]
    var chunkCount: Int { starts.count }
    /// Chunks the other thread may finish ahead of the one the walking thread is on.
    let maxAhead: Int
    /// Tests: the walking thread waits until the other thread has begun each chunk (a small
    /// fixture would otherwise be walked before the other thread starts), then goes on as ever.
    var meetsOther = false

    private let lock = ConditionLock()
    /// Under `lock`: the chunks the other thread finished (or stopped in), by index.
    private var finished: [Int: SurveyedRange] = [:]
    /// Under `lock`: the chunk the other thread walks now, or -1.
    private var otherChunk = -1
    /// Under `lock`: the next chunk the other thread may take, and the walking thread's chunk.
    private var otherNext = 1
    private var ownChunk = 0
    private var stopped = false
    /// Under `lock`: ranges merged and given back, reused with their arrays' capacity (a fresh
    /// array of a chunk's segments costs a page fault per 4 KB written).
    private var spare: [SurveyedRange] = []
    /// Read by the other thread every few records without the lock: it stops the chunk it
    /// walks when this is at least that chunk's index (`Int.max` stops everything).
    private let cedeRequest = Atomic<Int>(-1)
    /// The last chunk the other thread published (it publishes them in order).
    private let publishedUpTo = Atomic<Int>(-1)
    /// How long the walking thread waits awake for a cede: some tens of microseconds of loads.
    static let cedeSpins = 30_000

    /// The walking thread starts with chunk 0; the other thread starts with chunk 1.
    init(base: Int, fileSize: Int, chunkBytes: Int, maxAhead: Int) {
        starts = RangeHandoff.chunkStarts(base: base, fileSize: fileSize, chunkBytes: chunkBytes)
        self.maxAhead = max(maxAhead, 1)
    }

    /// Chunks of `chunkBytes`, and from the last four such on, a quarter of what is left (but
    /// at least a sixteenth of `chunkBytes`, and 4 KB): the other thread's last chunk is the
    /// one range the walking thread replays with no other work beside it, so it is kept short (a
    /// full 16 MB chunk of small records was 3 ms of one thread alone, a twentieth of `info`'s
    /// wall; the last of 4 MB chunks is 256 to 512 KB). The 4 KB keep chunks longer than most
    /// records: the tests' chunks of a few hundred bytes do not shrink.
    static func chunkStarts(base: Int, fileSize: Int, chunkBytes: Int) -> [Int] {
        let full = max(chunkBytes, 1)
        let smallest = min(full, max(full / 16, 4096))
        var starts = [base]
        var next = base
        while true {
            let left = fileSize &- next
            next &+= max(smallest, min(full, left / 4))
            // A last piece smaller than the smallest chunk stays with the chunk before it.
            guard fileSize &- next >= smallest else { return starts }
            starts.append(next)
        }
    }

    /// Where chunk `index` starts.
    func start(of index: Int) -> Int { starts[index] }

    /// Records that start before this offset belong to chunk `index`.
    func limit(of index: Int) -> Int { index &+ 1 >= starts.count ? .max : starts[index &+ 1] }

    /// What the walking thread does with a chunk: walk it all, or merge what the other thread
    /// logged of it first.
    enum Share {
        case own
        case logged(SurveyedRange)
    }

    /// The walking thread's turn at chunk `index` (chunks are taken in order). Waits only while
    /// the other thread stops its walk of that chunk.
    func take(_ index: Int) -> Share {
        lock.lock()
        defer { lock.unlock() }
        ownChunk = index
        lock.broadcast()   // the other thread may be waiting to run further ahead
        if meetsOther && index > 0 {
            while otherChunk != index && finished[index] == nil && !stopped { lock.wait() }
        }
        if otherChunk == index {
            cedeRequest.store(index, ordering: .relaxed)
            // The other thread stops within 16 records, a few microseconds: waited for awake,
            // unlocked. Asleep on the condition, each cede also cost the wake-up (35 to 110 µs on
            // this machine's virtual CPUs: 1 to 5 ms of a 45 ms run over 40 to 70 cedes; paired
            // runs with the spin: 0.967x the wall). A thread held up longer is waited for asleep.
            lock.unlock()
            var spins = 0
            while publishedUpTo.load(ordering: .acquiring) < index && spins < RangeHandoff.cedeSpins { spins &+= 1 }
            lock.lock()
            while finished[index] == nil { lock.wait() }
        }
        if let range = finished.removeValue(forKey: index) { return .logged(range) }
        otherNext = max(otherNext, index &+ 1)
        return .own
    }

    /// The other thread's next chunk, or nil when there is none (or the walk was stopped).
    func nextForOther() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        while !stopped && otherNext < chunkCount && otherNext &- ownChunk > maxAhead { lock.wait() }
        guard !stopped, otherNext < chunkCount else { return nil }
        otherChunk = otherNext
        otherNext &+= 1
        lock.broadcast()   // for `meetsOther`
        return otherChunk
    }

    /// An empty range for the other thread's next chunk.
    func emptyRange(info: CaptureFileInfo) -> SurveyedRange {
        if let range = lock.withLock({ spare.popLast() }) {
            range.reset(info: info)
            return range
        }
        return SurveyedRange(info: info)
    }

    /// The walking thread is done with `range`.
    func recycle(_ range: SurveyedRange) {
        lock.withLock { spare.append(range) }
    }

    /// Asked by the other thread every few records of chunk `index`.
    @inline(__always)
    func isCeded(_ index: Int) -> Bool { cedeRequest.load(ordering: .relaxed) >= index }

    /// The other thread's result for chunk `index`.
    func publish(_ range: SurveyedRange, for index: Int) {
        lock.withLock {
            finished[index] = range
            otherChunk = -1
            publishedUpTo.store(index, ordering: .releasing)
            lock.broadcast()
        }
    }

    /// Stops the other thread's walk where it is (no chunk after this is taken).
    func stop() {
        cedeRequest.store(.max, ordering: .relaxed)
        lock.withLock {
            stopped = true
            lock.broadcast()
        }
    }
}
