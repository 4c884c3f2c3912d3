/// Bounds-checked big-endian reads over captured bytes.
///
/// Every read returns nil instead of trapping when the field is not fully inside the
/// buffer: the bytes come from the wire and may be cut, bent or hostile.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return self[offset]
    }

    @inline(__always)
    func uint16(at offset: Int) -> UInt16? {
        guard offset >= 0, offset <= count &- 2 else { return nil }
        return UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func uint32(at offset: Int) -> UInt32? {
        guard offset >= 0, offset <= count &- 4 else { return nil }
        return UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func uint64(at offset: Int) -> UInt64? {
        guard offset >= 0, offset <= count &- 8 else { return nil }
        return UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The bytes in `start..<end`, clamped to the buffer (empty when the range is outside it).
    @inline(__always)
    func clampedSlice(_ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        let lower = Swift.max(0, Swift.min(start, count))
        let upper = Swift.max(lower, Swift.min(end, count))
        return UnsafeRawBufferPointer(rebasing: self[lower..<upper])
    }
}
