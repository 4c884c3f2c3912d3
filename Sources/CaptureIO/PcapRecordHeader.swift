/// A classic pcap record header (16 bytes: seconds, fraction, captured and original length),
/// read by both the native reader and `info`'s range walkers, so that both read a record, and
/// describe a damaged one, in the same words.
struct PcapRecordHeader {
    var seconds: UInt32
    var fraction: UInt32
    var capturedLength: Int
    var originalLength: Int

    @inline(__always)
    init(_ h: UnsafeRawPointer, swapped: Bool) {
        @inline(__always) func load32(_ at: Int) -> UInt32 {
            let v = h.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return swapped ? v.byteSwapped : v
        }
        seconds = load32(0)
        fraction = load32(4)
        capturedLength = Int(load32(8))
        originalLength = Int(load32(12))
    }

    /// The record's time; `fractionScale` is nanoseconds per fraction unit (1000 or 1). A 32-bit
    /// second count times 10^9 plus a 32-bit fraction times 1000 stays below 2^63: the
    /// wrapping operators cannot wrap here.
    @inline(__always)
    func timestamp(fractionScale: Int64) -> Timestamp {
        Timestamp(nanoseconds: Int64(seconds) &* 1_000_000_000 &+ Int64(fraction) &* fractionScale)
    }

    /// The record builds on this header, with `bytes` its captured data.
    @inline(__always)
    func record(bytes: UnsafeRawPointer, fractionScale: Int64, linkType: LinkType, at offset: Int) -> CaptureRecord {
        CaptureRecord(timestamp: timestamp(fractionScale: fractionScale), linkType: linkType, interfaceIndex: 0,
                      originalLength: originalLength,
                      bytes: UnsafeRawBufferPointer(start: bytes, count: capturedLength), fileOffset: offset)
    }

    /// What a reader says of a record longer than it accepts.
    static func tooLong(_ capturedLength: Int, limit: Int) -> String {
        "a packet record claims \(capturedLength) captured bytes, more than the \(limit)-byte limit: the file is damaged here"
    }

    /// What a reader says where the file ends `left` bytes into a record or block of `needed`.
    static func truncated(left: Int, needed: Int, what: String) -> String {
        "the file is truncated: it ends \(left) bytes into a \(what) of \(needed) bytes"
    }
}
