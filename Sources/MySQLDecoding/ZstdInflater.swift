import CZstd

/// A reusable zstd frame decompressor with the same shape as `ZlibInflater`.
///
/// MySQL 8's zstd compressed protocol compresses each compressed packet as its own zstd frame
/// (`ZSTD_compressCCtx` per packet), so the context is reset per packet. The window a frame may
/// ask for is capped: a packet never exceeds 16 MiB uncompressed, and a capture is untrusted.
final class ZstdInflater: PacketInflater {
    private let context: OpaquePointer?
    private var output = [UInt8](repeating: 0, count: 16 * 1024)
    private(set) var finished = false
    private(set) var failed = false

    /// 2^24 bytes: the largest packet MySQL compresses.
    static let windowLogMax: Int32 = 24

    init() {
        context = ZSTD_createDCtx()
        if let context {
            _ = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, ZstdInflater.windowLogMax)
        }
        failed = context == nil
    }

    deinit {
        ZSTD_freeDCtx(context)
    }

    func reset() {
        guard let context else { return }
        _ = ZSTD_DCtx_reset(context, ZSTD_reset_session_only)
        finished = false
        failed = false
    }

    @discardableResult
    func inflate(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) -> Void) -> Int {
        guard let context, !finished, let base = input.baseAddress, input.count > 0 else { return input.count }
        var source = ZSTD_inBuffer(src: base, size: input.count, pos: 0)
        output.withUnsafeMutableBytes { out in
            guard let outBase = out.baseAddress else { return }
            while true {
                var target = ZSTD_outBuffer(dst: outBase, size: out.count, pos: 0)
                let result = ZSTD_decompressStream(context, &target, &source)
                if ZSTD_isError(result) != 0 { finished = true; failed = true; return }
                if target.pos > 0 { sink(UnsafeRawBufferPointer(start: outBase, count: target.pos)) }
                // 0: the frame is complete and flushed.
                if result == 0 { finished = true; return }
                // Input used up and the output not full: zstd waits for more input.
                if source.pos == source.size && target.pos < target.size { return }
            }
        }
        return finished ? input.count : source.pos
    }
}
