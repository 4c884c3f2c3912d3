import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A capture read through one bounded buffer: gzip-compressed files, inflated as a stream, and
/// files that cannot be mapped (pipes, character devices).
///
/// The buffer holds a window of the uncompressed file. `fill(from:count:)` forgets everything
/// before `from`, moves the rest to the front (so a record that straddles two refills ends up
/// contiguous) and reads or inflates behind it. Memory stays at the buffer's size, which grows
/// only to hold the largest record asked for, itself capped by the reader's limits.
final class StreamedFile {
    let path: String
    /// Whether the file is gzip-compressed (detected by its `1f 8b` magic, never by its name).
    let isGzip: Bool
    /// Uncompressed bytes; `bufferStart` is the file offset of its first byte.
    private(set) var buffer: UnsafeMutableRawPointer
    private(set) var bufferStart = 0
    private(set) var bufferCount = 0
    /// True once no byte will come after `bufferStart + bufferCount`.
    private(set) var exhausted = false
    /// Why the data ended before its natural end (corrupt or cut gzip stream), if it did.
    private(set) var problem: String?
    /// Bytes taken from the file descriptor so far, minus those not yet inflated.
    var rawConsumed: Int { isGzip ? rawRead - Int(stream.pointee.avail_in) : rawRead }

    private var capacity: Int
    private let fd: Int32
    private var rawRead = 0
    private var rawEnded = false
    private let input: UnsafeMutableRawPointer
    private let inputCapacity: Int
    private let stream: UnsafeMutablePointer<z_stream>
    /// Inside a gzip member (between its header and its trailer).
    private var inMember = false

    static let defaultCapacity = 2 << 20
    static let inputChunk = 256 << 10

    /// Takes ownership of `fd`, already open for reading at offset 0.
    init(fd: Int32, path: String) throws(CaptureError) {
        self.fd = fd
        self.path = path
        capacity = StreamedFile.defaultCapacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        inputCapacity = StreamedFile.inputChunk
        input = UnsafeMutableRawPointer.allocate(byteCount: inputCapacity, alignment: 16)
        // zlib keeps a pointer back to the z_stream, so it must never move: heap, not a var.
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())

        // Sniff the first bytes. A pipe cannot be re-read, so they are kept in `input`.
        var got = 0
        while got < 2 {
            let n = StreamedFile.readRetrying(fd, input + got, inputCapacity - got)
            if n < 0 {
                let reason = String(cString: strerror(errno))
                StreamedFile.free(buffer, input, stream)
                close(fd)
                throw CaptureError(.unreadable, path: path, "cannot read the file: \(reason)")
            }
            if n == 0 { rawEnded = true; break }
            got += n
        }
        rawRead = got
        let bytes = input.assumingMemoryBound(to: UInt8.self)
        isGzip = got >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
        if isGzip {
            stream.pointee.next_in = bytes
            stream.pointee.avail_in = uInt(got)
            // 15 + 16: a 32 KiB window and a gzip (not zlib) wrapper.
            guard inflateInit2_(stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                StreamedFile.free(buffer, input, stream)
                close(fd)
                throw CaptureError(.unreadable, path: path, "cannot start zlib to inflate the gzip-compressed file")
            }
            inMember = true
        } else {
            buffer.copyMemory(from: input, byteCount: got)
            bufferCount = got
            exhausted = rawEnded
        }
    }

    deinit {
        if isGzip { inflateEnd(stream) }
        StreamedFile.free(buffer, input, stream)
        close(fd)
    }

    private static func free(_ buffer: UnsafeMutableRawPointer, _ input: UnsafeMutableRawPointer,
                             _ stream: UnsafeMutablePointer<z_stream>) {
        buffer.deallocate()
        input.deallocate()
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    private static func readRetrying(_ fd: Int32, _ to: UnsafeMutableRawPointer, _ count: Int) -> Int {
        while true {
            let n = read(fd, to, count)
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    /// Makes the file bytes `[keep, end)` contiguous in `buffer` if the file has them, dropping
    /// everything before `keep` (which must not be before `bufferStart`). The span must already be
    /// capped by the caller. Afterwards the buffer reaches `end`, or holds every remaining byte and
    /// `exhausted` is set.
    func fill(keeping keep: Int, through end: Int) throws(CaptureError) {
        let drop = min(max(keep - bufferStart, 0), bufferCount)
        if drop > 0 {
            let keep = bufferCount - drop
            if keep > 0 { buffer.copyMemory(from: buffer + drop, byteCount: keep) }
            bufferStart += drop
            bufferCount = keep
        }
        let count = end - bufferStart
        if count > capacity { grow(to: count) }
        while bufferCount < count && !exhausted {
            if isGzip { try inflateMore() } else { try readMore() }
        }
    }

    private func grow(to needed: Int) {
        // Round up to whole default chunks so that several slightly bigger records do not each
        // cause a reallocation.
        let chunk = StreamedFile.defaultCapacity
        let newCapacity = (needed / chunk + 1) * chunk
        let newBuffer = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBuffer.copyMemory(from: buffer, byteCount: bufferCount)
        buffer.deallocate()
        buffer = newBuffer
        capacity = newCapacity
    }

    private func readMore() throws(CaptureError) {
        let n = StreamedFile.readRetrying(fd, buffer + bufferCount, capacity - bufferCount)
        if n < 0 {
            throw CaptureError(.unreadable, path: path, offset: bufferStart + bufferCount,
                               "cannot read the file: \(String(cString: strerror(errno)))")
        }
        if n == 0 { exhausted = true; rawEnded = true; return }
        bufferCount += n
        rawRead += n
    }

    /// Inflates until the buffer is full, the stream ends, or it turns out to be damaged.
    private func inflateMore() throws(CaptureError) {
        let z = stream
        z.pointee.next_out = (buffer + bufferCount).assumingMemoryBound(to: Bytef.self)
        z.pointee.avail_out = uInt(capacity - bufferCount)
        defer { bufferCount = capacity - Int(z.pointee.avail_out) }
        while z.pointee.avail_out > 0 {
            if z.pointee.avail_in == 0 && !rawEnded {
                let n = StreamedFile.readRetrying(fd, input, inputCapacity)
                if n < 0 {
                    throw CaptureError(.unreadable, path: path, offset: bufferStart + bufferCount,
                                       "cannot read the file: \(String(cString: strerror(errno)))")
                }
                if n == 0 { rawEnded = true } else {
                    rawRead += n
                    z.pointee.next_in = input.assumingMemoryBound(to: Bytef.self)
                    z.pointee.avail_in = uInt(n)
                }
            }
            if z.pointee.avail_in == 0 && rawEnded {
                if inMember { problem = "the gzip-compressed data ends early (the file is truncated)" }
                exhausted = true
                return
            }
            if !inMember {
                // `gzip -c a b` concatenates members; anything else after a member (zero padding
                // from a tape or a download tool) is ignored, as gzip(1) does.
                guard z.pointee.next_in.pointee == 0x1f else { exhausted = true; return }
                inflateReset(z)
                inMember = true
            }
            let availIn = z.pointee.avail_in, availOut = z.pointee.avail_out
            let rc = inflate(z, Z_NO_FLUSH)
            switch rc {
            case Z_OK:
                continue
            case Z_STREAM_END:
                inMember = false
            case Z_BUF_ERROR where z.pointee.avail_in == 0:
                continue // needs more input: the loop reads it
            default:
                let progressed = availIn != z.pointee.avail_in || availOut != z.pointee.avail_out
                if rc == Z_BUF_ERROR && progressed { continue }
                let detail = z.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                problem = "the gzip-compressed data is damaged (\(detail))"
                exhausted = true
                return
            }
        }
    }
}
