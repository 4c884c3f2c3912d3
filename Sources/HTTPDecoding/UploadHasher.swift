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
        if !handedOver && (batch?.bodyBytes ?? 0) == 0 && chain == nil {
            // Not one body byte (a flood's heads announcing bodies never sent): the digests of
            // nothing, known already, without a hash context or two thread hand-offs per head.
            // (Every other body hands a batch over below, so its digests are the queues' to make.)
            digests = UploadHasher.emptyDigests
            return UploadHasher.emptyDigests
        }
        handOver()
        let digests = UploadDigests()
        self.digests = digests
        let state = hashState
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
