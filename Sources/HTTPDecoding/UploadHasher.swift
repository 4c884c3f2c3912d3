import Crypto
import Dispatch

/// MD5 and SHA-512 of an upload body, the two digests on two cores.
///
/// One core cannot keep up with the capture: SHA-512 alone costs more than all the rest of the
/// pipeline. So MD5 runs inline while SHA-512 runs on a serial queue, fed with copies of the
/// body in blocks of a megabyte; at most `maxBlocksInFlight` blocks wait, which bounds
/// memory and makes the reader wait for the hasher instead of buffering a whole upload.
final class UploadHasher: @unchecked Sendable {
    // Thread safety: `sha512` is touched only on `queue`; `md5`, `block` and `finished` only on
    // the caller's thread. `slots` bounds the blocks handed to the queue.
    private var md5 = Insecure.MD5()
    private let sha512 = SHA512Stream()
    private var block: [UInt8] = []
    private let queue = DispatchQueue(label: "glancetrace.sha512")
    private let slots: DispatchSemaphore
    private var finished: (md5: String, sha512: String)?

    static let blockBytes = 1 << 20
    static let maxBlocksInFlight = 3

    init() {
        slots = DispatchSemaphore(value: UploadHasher.maxBlocksInFlight)
        block.reserveCapacity(UploadHasher.blockBytes)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard finished == nil else { return }
        md5.update(bufferPointer: bytes)
        block.append(contentsOf: bytes)
        if block.count >= UploadHasher.blockBytes { handOver() }
    }

    private func handOver() {
        guard !block.isEmpty else { return }
        let full = block
        block = []
        block.reserveCapacity(UploadHasher.blockBytes)
        slots.wait()
        queue.async { [self] in
            full.withUnsafeBytes { sha512.update($0) }
            slots.signal()
        }
    }

    /// The two digests as lowercase hex; the hasher takes no more bytes afterwards.
    func finalize() -> (md5: String, sha512: String) {
        if let finished { return finished }
        handOver()
        let shaDigest = queue.sync { sha512.finalize() ?? "" }
        let result = (Hex.string(md5.finalize()), shaDigest)
        finished = result
        return result
    }

    deinit {
        // Blocks still queued hold only copies; wait for them so the queue never outlives us.
        queue.sync {}
    }
}
