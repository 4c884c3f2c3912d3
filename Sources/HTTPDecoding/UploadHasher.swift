import CaptureIO
import Crypto
import Dispatch
import Synchronization

/// The MD5 and SHA-512 of an upload body, as lowercase hex, computed in the background.
///
/// The hashers may run far behind the reader (see `UploadHasher`), so an exchange is complete
/// before its digests are: reading `md5` or `sha512` waits until both are done. Whoever needs them
/// should read them as late as it can, so that the wait overlaps with other work.
package final class UploadDigests: Hashable, @unchecked Sendable {
    // Thread safety: `md5Hex` is written once on the MD5 queue and `sha512Hex` once on the SHA-512
    // queue, each before leaving `done`; readers wait on `done` first.
    private let done = DispatchGroup()
    private var md5Hex: String?
    private var sha512Hex: String?

    /// Digests already known.
    package init(md5: String?, sha512: String?) {
        md5Hex = md5
        sha512Hex = sha512
    }

    /// Digests the two hasher queues will deliver.
    init() {
        done.enter()
        done.enter()
    }

    func deliver(md5: String?) {
        md5Hex = md5
        done.leave()
    }

    func deliver(sha512: String?) {
        sha512Hex = sha512
        done.leave()
    }

    package var md5: String? {
        done.wait()
        return md5Hex
    }

    package var sha512: String? {
        done.wait()
        return sha512Hex
    }

    /// Waits until every upload handed to the hashers so far is hashed (or skipped). An analysis
    /// calls it before it returns: no hashing then outlives it, still reading a capture's map or
    /// inside libcrypto while the process exits.
    package static func waitForAll() {
        UploadHasher.md5Queue.sync {}
        UploadHasher.sha512Queue.sync {}
    }

    /// The MD5 of a few bytes, as lowercase hex (a large object's ETag is the MD5 of its
    /// segments' ETags).
    package static func md5(of bytes: [UInt8]) -> String {
        Hex.string(Insecure.MD5.hash(data: bytes))
    }

    /// The digests if both are computed by now, without waiting; nil while either is computing.
    package var finishedValues: (md5: String?, sha512: String?)? {
        guard done.wait(timeout: .now()) == .success else { return nil }
        return (md5Hex, sha512Hex)
    }

    /// Both digests, waiting for the hashers if they are still computing (the one place a
    /// comparison of digests may wait; `==` never does).
    package func waitForValues() -> (md5: String?, sha512: String?) {
        done.wait()
        return (md5Hex, sha512Hex)
    }

    /// Never waits (comparing two `HTTPExchange`s must not block on a hasher): the same object,
    /// or two whose digests are both computed and equal. Digests still computing equal only
    /// themselves; wait first (`waitForValues()`, `waitForAll()`) to compare them by value.
    package static func == (a: UploadDigests, b: UploadDigests) -> Bool {
        if a === b { return true }
        guard let x = a.finishedValues, let y = b.finishedValues else { return false }
        return x.md5 == y.md5 && x.sha512 == y.sha512
    }

    /// Hashes nothing: the digests may still be computing, and equal digests must hash alike
    /// whether or not they were computed when hashed. A value holding digests hashes by its
    /// other members.
    package func hash(into hasher: inout Hasher) {}
}

/// MD5 and SHA-512 of an upload body, each digest on a thread of its own, up to hundreds of
/// megabytes behind the reader.
///
/// The two digests of a large upload cost more than all the rest of the pipeline, so they run on
/// a serial queue each and the OS spreads the three threads over the cores. Two rules keep that
/// cheap:
/// - No copy of the body when its bytes lie in a capture file's map (`StableMemory`): a batch is
///   then a list of spans into the map, and retains the map so that it outlives the reader.
///   Only bytes in buffers of their own (out-of-order segments, decrypted TLS) are copied, into
///   reused arenas of 64 KB.
/// - The reader never waits for the digests, only for room: at most `maxBatchesInFlight` batches
///   (a megabyte of body each) wait in the whole process, which bounds memory, and lets the
///   hashers still be busy while the reader finishes the capture and the timeline is built.
///   `finish()` hands out `UploadDigests` that fill in later.
final class UploadHasher {
    /// Body bytes per batch handed to the queues.
    static let batchBytes = 1 << 20
    /// Spans per batch at most: with tiny segments a megabyte would be tens of thousands of
    /// spans, and the list of a queued batch is the memory its lag costs (16 bytes a span).
    static let maxSpansPerBatch = 1024
    /// Batches queued at once, all uploads together: how far (in megabytes) the hashers may lag.
    static let maxBatchesInFlight = 512
    /// Bytes per arena, the unit copied bytes are held in.
    static let arenaBytes = 64 << 10
    /// Arenas of copied bytes handed over at once, all uploads together (8 MB).
    static let maxArenasInFlight = 128

    /// One queue per digest for all uploads: serial, so each upload's batches are hashed in order.
    static let md5Queue = DispatchQueue(label: "upload.md5")
    static let sha512Queue = DispatchQueue(label: "upload.sha512")
    /// Made at the first body byte (`hashState`): a flood's heads announce bodies that never
    /// come, and their hashers are then only a few words, freed without a digest context or a batch.
    private var state: HashState?
    /// The whole this body is one part of, fed in the same pass (see `UploadChain`).
    private let chain: UploadChain?
    private var batch: HashBatch?
    /// The stable region the last bytes came from: one lookup per upload, not per segment.
    private var region: StableRegion?
    private var digests: UploadDigests?
    /// A batch went to the queues: from then on the digests are theirs to finish.
    private var handedOver = false
    /// The whole's digests so far, when the body is a part of a chain.
    private(set) var joinedDigests: UploadDigests?

    /// A part of a chain gets only its own MD5 (what Swift's ETag of a segment is); the chain
    /// computes both digests of the whole, so each byte goes through SHA-512 once.
    init(chain: UploadChain? = nil) {
        self.chain = chain
    }

    /// The running digests, made when first needed.
    private var hashState: HashState {
        if let state { return state }
        let made = HashState(sha512: chain == nil)
        state = made
        return made
    }

    /// The batch being filled, made when first needed.
    private var currentBatch: HashBatch {
        if let batch { return batch }
        let made = HashBatch()
        batch = made
        return made
    }

    /// The digests of an empty body (a head announcing a body never sent), known in advance.
    private static let emptyDigests = UploadDigests(md5: Hex.string(Insecure.MD5().finalize()), sha512: SHA512Stream().finalize())

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard digests == nil, !bytes.isEmpty else { return }
        if region?.contains(bytes) != true { region = StableMemory.region(containing: bytes) ?? region }
        if let region, region.contains(bytes) {
            let batch = currentBatch
            batch.appendSpan(bytes, in: region)
            if batch.bodyBytes >= UploadHasher.batchBytes || batch.spanCount >= UploadHasher.maxSpansPerBatch { handOver() }
            return
        }
        var rest = bytes
        while !rest.isEmpty {
            let batch = currentBatch  // a new one after each hand-over
            let taken = batch.appendCopy(rest)
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            if batch.bodyBytes >= UploadHasher.batchBytes || batch.spanCount >= UploadHasher.maxSpansPerBatch { handOver() }
        }
    }

    /// Hands the batch being filled to both queues, waiting for room first.
    private func handOver() {
        guard let full = batch, full.bodyBytes > 0 else { return }
        batch = nil
        HashBatch.slots.wait()
        for _ in 0..<full.arenaCount { HashBatch.arenaSlots.wait() }
        full.isQueued = true
        handedOver = true
        let state = hashState, whole = chain?.state
        UploadHasher.md5Queue.async {
            guard !state.isCancelled else { return }
            full.read {
                state.md5.update(bufferPointer: $0)
                whole?.md5.update(bufferPointer: $0)
            }
        }
        UploadHasher.sha512Queue.async {
            guard !state.isCancelled else { return }
            let own = state.sha512, joined = whole?.sha512
            guard own != nil || joined != nil else { return }
            full.read {
                own?.update($0)
                joined?.update($0)
            }
        }
    }

    /// Ends the body: the digests arrive once both queues have hashed every batch.
    func finish() -> UploadDigests {
        if let digests { return digests }
        if batch == nil && state == nil && chain == nil {
            // Not one body byte (a flood's heads announcing bodies never sent): the digests of
            // nothing, known already, without a hash context or two thread hand-offs per head.
            digests = UploadHasher.emptyDigests
            return UploadHasher.emptyDigests
        }
        handOver()
        let digests = UploadDigests()
        self.digests = digests
        let state = hashState
        if !handedOver && chain == nil {
            // The queues never saw this state: the digests are made here, without two thread
            // hand-offs.
            digests.deliver(md5: Hex.string(state.md5.finalize()))
            digests.deliver(sha512: state.sha512?.finalize())
            return digests
        }
        UploadHasher.md5Queue.async { digests.deliver(md5: Hex.string(state.md5.finalize())) }
        UploadHasher.sha512Queue.async { digests.deliver(sha512: state.sha512?.finalize()) }
        if let whole = chain?.state {
            // Snapshots: the next part goes on from the running state.
            let joined = UploadDigests()
            joinedDigests = joined
            UploadHasher.md5Queue.async { joined.deliver(md5: Hex.string(whole.md5.finalize())) }
            UploadHasher.sha512Queue.async { joined.deliver(sha512: whole.sha512?.snapshot()) }
        }
        return digests
    }

    /// Without `finish()`, the body was abandoned (bytes missing): queued batches are skipped,
    /// and the whole it was a part of cannot be hashed either.
    deinit {
        if digests == nil {
            state?.cancel()
            chain?.abandon()
        }
    }
}

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
private final class HashBatch: @unchecked Sendable {
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
private enum ArenaPool {
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

