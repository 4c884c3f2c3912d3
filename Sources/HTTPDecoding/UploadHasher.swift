import Crypto
import Dispatch

/// MD5 and SHA-512 of an upload body, each digest on a thread of its own.
///
/// One core cannot keep up with the capture: the two digests of a large upload cost more than
/// all the rest of the pipeline (SHA-512 alone about as much). So the reader only copies the body
/// into blocks of a megabyte and hands each block to two serial queues, one per digest; the OS
/// spreads the three threads over the cores. At most `maxBlocksInFlight` blocks wait per queue,
/// which bounds memory and makes the reader wait for the hashers instead of buffering an upload.
///
/// The blocks are a ring of `maxBlocksInFlight + 1` buffers allocated once per upload: a fresh
/// megabyte per block would cost a page fault and a zeroed page for every 4 KB of the upload.
/// A buffer is refilled only when both queues are done with it: block n reuses the buffer of block
/// n - (maxBlocksInFlight + 1), and handing over block n - 1 waited, on each queue, until at most
/// `maxBlocksInFlight` blocks were in flight there, so every block up to n - 1 - maxBlocksInFlight
/// is done on both (serial queues finish in order).
final class UploadHasher: @unchecked Sendable {
    // Thread safety: `md5` is touched only on `md5Queue`, `sha512` only on `sha512Queue`; the ring,
    // `filled`, `current` and `finished` only on the caller's thread; the queues read a handed-over
    // block, which the caller does not write again until both are done with it (see above).
    private var md5 = Insecure.MD5()
    private let sha512 = SHA512Stream()
    private var ring: [UnsafeMutableRawBufferPointer] = []
    private var current = 0
    private var filled = 0
    private let md5Queue = DispatchQueue(label: "glancetrace.md5")
    private let sha512Queue = DispatchQueue(label: "glancetrace.sha512")
    private let md5Slots: DispatchSemaphore
    private let sha512Slots: DispatchSemaphore
    private var finished: (md5: String, sha512: String)?

    static let blockBytes = 1 << 20
    static let maxBlocksInFlight = 8

    init() {
        md5Slots = DispatchSemaphore(value: UploadHasher.maxBlocksInFlight)
        sha512Slots = DispatchSemaphore(value: UploadHasher.maxBlocksInFlight)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard finished == nil, var source = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let block = currentBlock()
            let take = min(left, block.count &- filled)
            (block.baseAddress! + filled).copyMemory(from: source, byteCount: take)
            filled &+= take
            source += take
            left &-= take
            if filled == block.count { handOver() }
        }
    }

    /// The buffer being filled, allocated the first time the ring reaches it.
    private func currentBlock() -> UnsafeMutableRawBufferPointer {
        if current == ring.count {
            ring.append(.allocate(byteCount: UploadHasher.blockBytes, alignment: 64))
        }
        return ring[current]
    }

    private func handOver() {
        guard filled > 0 else { return }
        // Read-only on the queues, and not written again until both are done (see the type).
        nonisolated(unsafe) let full = UnsafeRawBufferPointer(rebasing: ring[current][..<filled])
        md5Slots.wait()
        md5Queue.async { [self] in
            md5.update(bufferPointer: full)
            md5Slots.signal()
        }
        sha512Slots.wait()
        sha512Queue.async { [self] in
            sha512.update(full)
            sha512Slots.signal()
        }
        current = (current &+ 1) % (UploadHasher.maxBlocksInFlight &+ 1)
        filled = 0
    }

    /// The two digests as lowercase hex; the hasher takes no more bytes afterwards.
    func finalize() -> (md5: String, sha512: String) {
        if let finished { return finished }
        handOver()
        let shaDigest = sha512Queue.sync { sha512.finalize() ?? "" }
        let md5Digest = md5Queue.sync { Hex.string(md5.finalize()) }
        let result = (md5Digest, shaDigest)
        finished = result
        return result
    }

    deinit {
        // Queued blocks point into the ring: wait for them before freeing it.
        md5Queue.sync {}
        sha512Queue.sync {}
        for buffer in ring { buffer.deallocate() }
    }
}
