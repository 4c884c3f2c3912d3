import Crypto
import Dispatch

/// MD5 and SHA-512 of an upload body, each digest on a thread of its own.
///
/// One core cannot keep up with the capture: the two digests of a large upload cost more than
/// all the rest of the pipeline (SHA-512 alone about as much). So the reader only copies the body
/// into blocks of a megabyte and hands each block to two serial queues, one per digest; the OS
/// spreads the three threads over the cores. At most `maxBlocksInFlight` blocks wait per queue,
/// which bounds memory and makes the reader wait for the hashers instead of buffering an upload.
final class UploadHasher: @unchecked Sendable {
    // Thread safety: `md5` is touched only on `md5Queue`, `sha512` only on `sha512Queue`; `block`
    // and `finished` only on the caller's thread. A block is shared by both queues read-only.
    private var md5 = Insecure.MD5()
    private let sha512 = SHA512Stream()
    private var block: [UInt8] = []
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
        block.reserveCapacity(UploadHasher.blockBytes)
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        guard finished == nil else { return }
        block.append(contentsOf: bytes)
        if block.count >= UploadHasher.blockBytes { handOver() }
    }

    private func handOver() {
        guard !block.isEmpty else { return }
        let full = block
        block = []
        block.reserveCapacity(UploadHasher.blockBytes)
        md5Slots.wait()
        md5Queue.async { [self] in
            full.withUnsafeBytes { md5.update(bufferPointer: $0) }
            md5Slots.signal()
        }
        sha512Slots.wait()
        sha512Queue.async { [self] in
            full.withUnsafeBytes { sha512.update($0) }
            sha512Slots.signal()
        }
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
        // Blocks still queued hold only copies; wait for them so the queues never outlive us.
        md5Queue.sync {}
        sha512Queue.sync {}
    }
}
