import CaptureIO
import Crypto
import Dispatch
import Synchronization

/// The running digests of one upload; `md5` is touched only on the MD5 queue, `sha512` only on the
/// SHA-512 queue.
final class HashState: @unchecked Sendable {
    var md5 = Insecure.MD5()
    /// nil when only the MD5 is wanted.
    let sha512: SHA512Stream?
    private let cancelled = Atomic<Bool>(false)

    init(sha512: Bool) {
        self.sha512 = sha512 ? SHA512Stream() : nil
    }

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    func cancel() { cancelled.store(true, ordering: .relaxed) }
}

/// About a megabyte of an upload body: spans into stable memory, and bytes copied into arenas.
///
/// Filled on the reader's thread, then only read, by both queues; it gives back its slot, its
/// arenas and the map pages it covered when the second queue is done with it (its `deinit`).
final class HashBatch: @unchecked Sendable {
    static let slots = DispatchSemaphore(value: UploadHasher.maxBatchesInFlight)
    static let arenaSlots = DispatchSemaphore(value: UploadHasher.maxArenasInFlight)

    private var spans: [UnsafeRawBufferPointer] = []
    /// The maps the spans lie in (retained: they must outlive the hashing), and the part of each
    /// the spans cover.
    private var maps: [(owner: any StableMemoryOwner, low: UnsafeRawPointer, high: UnsafeRawPointer)] = []
    private var arenas: [UnsafeMutableRawBufferPointer] = []
    /// Bytes used in the last arena.
    private var arenaUsed = 0
    private(set) var bodyBytes = 0
    var isQueued = false

    var arenaCount: Int { arenas.count }
    var spanCount: Int { spans.count }

    /// Bytes of a stable region, kept by reference.
    func appendSpan(_ bytes: UnsafeRawBufferPointer, in region: StableRegion) {
        guard let base = bytes.baseAddress else { return }
        let end = base + bytes.count
        if let i = maps.lastIndex(where: { $0.owner === region.owner }) {
            maps[i].low = min(maps[i].low, base)
            maps[i].high = max(maps[i].high, end)
        } else {
            maps.append((region.owner, base, end))
        }
        appendSpan(bytes)
    }

    private func appendSpan(_ bytes: UnsafeRawBufferPointer) {
        // Consecutive segments never touch in a capture (headers lie between), but bytes the
        // parser hands over in two calls do.
        if let last = spans.last, let lastBase = last.baseAddress, lastBase + last.count == bytes.baseAddress {
            spans[spans.count - 1] = UnsafeRawBufferPointer(start: lastBase, count: last.count + bytes.count)
        } else {
            spans.append(bytes)
        }
        bodyBytes &+= bytes.count
    }

    /// Copies what fits of `bytes` into the last arena (a new one when it is full); returns how
    /// many bytes it took.
    func appendCopy(_ bytes: UnsafeRawBufferPointer) -> Int {
        if arenas.isEmpty || arenaUsed == UploadHasher.arenaBytes {
            arenas.append(ArenaPool.take())
            arenaUsed = 0
        }
        let arena = arenas[arenas.count - 1]
        let taken = min(bytes.count, arena.count &- arenaUsed)
        guard taken > 0, let source = bytes.baseAddress, let destination = arena.baseAddress else { return taken }
        (destination + arenaUsed).copyMemory(from: source, byteCount: taken)
        appendSpan(UnsafeRawBufferPointer(start: destination + arenaUsed, count: taken))
        arenaUsed &+= taken
        return taken
    }

    /// Hands every span to `body`, in order. The map pages are mapped in one call first, and
    /// given back after: each queue does both, because the other queue may come by hundreds of
    /// megabytes later and the pages would stay resident until then.
    func read(_ body: (UnsafeRawBufferPointer) -> Void) {
        for map in maps { map.owner.populatePages(UnsafeRawBufferPointer(start: map.low, count: map.high - map.low)) }
        for span in spans { body(span) }
        for map in maps { map.owner.dropPages(UnsafeRawBufferPointer(start: map.low, count: map.high - map.low)) }
    }

    deinit {
        for arena in arenas {
            ArenaPool.give(arena)
            if isQueued { HashBatch.arenaSlots.signal() }
        }
        guard isQueued else { return }
        HashBatch.slots.signal()
    }
}

/// Reused megabyte buffers for copied body bytes: a fresh one would cost a page fault and a zeroed
/// page for every 4 KB.
enum ArenaPool {
    /// Base addresses of free arenas of `UploadHasher.arenaBytes` each, and whether the pool is
    /// drained (no capture is read: arenas given back are freed, not kept).
    private static let free = LockedValue<(list: [UInt], drained: Bool)>(([], false))
    /// Keeps what may be in flight plus a batch's worth being filled; more are freed when given back.
    private static let kept = UploadHasher.maxArenasInFlight + UploadHasher.batchBytes / UploadHasher.arenaBytes

    static func take() -> UnsafeMutableRawBufferPointer {
        let address = free.withLock { pool -> UInt? in
            pool.drained = false
            return pool.list.popLast()
        }
        if let address, let base = UnsafeMutableRawPointer(bitPattern: address) {
            return UnsafeMutableRawBufferPointer(start: base, count: UploadHasher.arenaBytes)
        }
        return .allocate(byteCount: UploadHasher.arenaBytes, alignment: 64)
    }

    static func give(_ arena: UnsafeMutableRawBufferPointer) {
        guard let base = arena.baseAddress else { return }
        let address = UInt(bitPattern: base)
        let keep = free.withLock { pool -> Bool in
            guard !pool.drained, pool.list.count < kept else { return false }
            pool.list.append(address)
            return true
        }
        if !keep { arena.deallocate() }
    }

    /// Frees the kept arenas, and those the hashers still hold as they give them back, until
    /// the next `take()`.
    static func drain() {
        let addresses = free.withLock { pool -> [UInt] in
            pool.drained = true
            let list = pool.list
            pool.list = []
            return list
        }
        for address in addresses {
            UnsafeMutableRawPointer(bitPattern: address)?.deallocate()
        }
    }
}

/// The upload hashers' memory between captures.
package enum UploadHashing {
    /// Frees the arenas kept for copied body bytes once a capture has been read.
    ///
    /// The pool keeps up to 144 arenas (9 MB) for the next upload; after the last one they were
    /// a quarter of the heap while the timeline was built (`heaptrack` on a 2 GB capture of 400
    /// images), the peak of the whole run.
    package static func releaseIdleArenas() { ArenaPool.drain() }
}

