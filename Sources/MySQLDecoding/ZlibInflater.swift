import CZlib

/// Decompresses the payload of one compressed MySQL packet, fed in pieces; reset per packet.
protocol PacketInflater: AnyObject {
    /// True once the current packet's stream has ended (or failed); later input is ignored.
    var finished: Bool { get }
    /// True when the current packet's compressed data is corrupt.
    var failed: Bool { get }
    func reset()
    @discardableResult
    func inflate(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) -> Void) -> Int
}

/// A reusable zlib (RFC 1950) or gzip stream inflater that writes into a fixed output window.
///
/// The MySQL compressed protocol deflates each compressed packet as its own zlib stream, so
/// the inflater is reset per packet instead of being created anew (no allocation per packet).
final class ZlibInflater: PacketInflater {
    private var stream = z_stream()
    private var initialised = false
    private var output = [UInt8](repeating: 0, count: 16 * 1024)
    /// True once the current stream has reached its end (or failed); later input is ignored.
    private(set) var finished = false
    /// True when zlib reported corrupt input for the current stream.
    private(set) var failed = false

    /// - Parameter gzip: accept a gzip header (used by tests to read compressed fixtures).
    init(gzip: Bool = false) {
        let bits: Int32 = gzip ? 15 + 32 : 15
        let result = inflateInit2_(&stream, bits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        initialised = result == Z_OK
        failed = !initialised
    }

    deinit {
        if initialised { inflateEnd(&stream) }
    }

    /// Starts a new stream.
    func reset() {
        guard initialised else { return }
        inflateReset(&stream)
        finished = false
        failed = false
    }

    /// Inflates `input`, handing every produced chunk to `sink`. Returns the input bytes consumed.
    @discardableResult
    func inflate(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) -> Void) -> Int {
        guard initialised, !finished, let base = input.baseAddress, input.count > 0 else { return input.count }
        var consumed = 0
        output.withUnsafeMutableBufferPointer { out in
            guard let outBase = out.baseAddress else { return }
            // zlib takes a mutable pointer but never writes through next_in.
            stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(truncatingIfNeeded: input.count)
            while true {
                stream.next_out = outBase
                stream.avail_out = uInt(truncatingIfNeeded: out.count)
                let result = CZlib.inflate(&stream, Z_NO_FLUSH)
                let produced = out.count - Int(stream.avail_out)
                if produced > 0 { sink(UnsafeRawBufferPointer(start: outBase, count: produced)) }
                if result == Z_STREAM_END { finished = true; break }
                if result != Z_OK && result != Z_BUF_ERROR { finished = true; failed = true; break }
                if stream.avail_in == 0 && produced < out.count { break }
                if result == Z_BUF_ERROR && produced == 0 { break }
            }
            consumed = input.count - Int(stream.avail_in)
        }
        return finished ? input.count : consumed
    }
}
