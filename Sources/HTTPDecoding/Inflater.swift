import CZlib

/// Streaming zlib inflation for `Content-Encoding: gzip` / `deflate`, with bounded output.
///
/// zlib keeps a pointer back to its `z_stream` (`inflateStateCheck`), so the stream lives in
/// its own heap allocation that never moves.
final class Inflater {
    enum Encoding {
        case gzip
        case deflate
    }

    enum Status {
        case ok
        /// The compressed stream ended (trailing bytes are ignored).
        case finished
        case failed(String)
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private let encoding: Encoding
    private var initialized = false
    private var done = false
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    init(encoding: Encoding) {
        self.encoding = encoding
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
    }

    deinit {
        if initialized { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates `input`, appending at most `limit - output.count` bytes to `output`; bytes beyond
    /// the limit are decoded and dropped (so the caller can still count them), `overflow` counts them.
    func inflate(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int, overflow: inout Int) -> Status {
        guard !done else { return .finished }
        guard let base = input.baseAddress, input.count > 0 else { return .ok }
        if !initialized {
            // "deflate" is meant to be zlib-wrapped (RFC 9110 8.4.1.2) but some servers send raw
            // deflate: a zlib header's first byte has compression method 8 in its low nibble.
            let windowBits: Int32
            switch encoding {
            case .gzip: windowBits = 15 + 16
            case .deflate: windowBits = (input[0] & 0x0F) == 8 ? 15 : -15
            }
            let result = inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
            guard result == Z_OK else { return .failed("inflateInit2 returned \(result)") }
            initialized = true
        }
        var remaining = input.count
        var offset = 0
        while remaining > 0 {
            // zlib's counters are 32-bit: feed at most 1 GiB per call.
            let feed = min(remaining, 1 << 30)
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self) + offset)
            stream.pointee.avail_in = UInt32(feed)
            var result: Int32 = Z_OK
            repeat {
                let produced: Int = scratch.withUnsafeMutableBufferPointer { out in
                    stream.pointee.next_out = out.baseAddress
                    stream.pointee.avail_out = UInt32(out.count)
                    result = CZlib.inflate(stream, Z_NO_FLUSH)
                    return out.count - Int(stream.pointee.avail_out)
                }
                if produced > 0 {
                    let room = max(0, limit - output.count)
                    let kept = min(room, produced)
                    if kept > 0 { output.append(contentsOf: scratch[0..<kept]) }
                    overflow &+= produced - kept
                }
                if result == Z_STREAM_END {
                    done = true
                    return .finished
                }
                if result != Z_OK && result != Z_BUF_ERROR {
                    done = true
                    return .failed("zlib error \(result)")
                }
            } while stream.pointee.avail_out == 0 || (stream.pointee.avail_in > 0 && result == Z_OK)
            let consumed = feed - Int(stream.pointee.avail_in)
            if consumed == 0 { break }
            offset += consumed
            remaining -= consumed
        }
        return .ok
    }
}
