/// A bounds-checked cursor over one MySQL packet payload.
///
/// Every read returns nil instead of trapping when the payload is too short, and moves the
/// cursor only on success (the swift-nio `ByteBuffer` rule), so parsers can probe safely.
struct MySQLPayloadReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = min(max(offset, 0), bytes.count)
    }

    var remaining: Int { bytes.count &- offset }
    var isAtEnd: Bool { offset >= bytes.count }

    func peekByte() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        offset &+= count
        return true
    }

    mutating func readByte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset &+= 1 }
        return bytes[offset]
    }

    /// Little-endian unsigned integer of `width` bytes (1...8).
    mutating func readUInt(width: Int) -> UInt64? {
        guard width >= 1, width <= 8, width <= remaining else { return nil }
        var value: UInt64 = 0
        for i in 0..<width { value |= UInt64(bytes[offset &+ i]) << UInt64(8 &* i) }
        offset &+= width
        return value
    }

    mutating func readUInt16() -> UInt16? { readUInt(width: 2).map { UInt16(truncatingIfNeeded: $0) } }
    mutating func readUInt32() -> UInt32? { readUInt(width: 4).map { UInt32(truncatingIfNeeded: $0) } }

    /// Length-encoded integer; nil for the NULL marker 0xfb, the 0xff error marker, or short input.
    mutating func readLengthEncoded() -> UInt64? {
        guard let first = peekByte() else { return nil }
        switch first {
        case 0..<0xfb:
            offset &+= 1
            return UInt64(first)
        case 0xfc, 0xfd, 0xfe:
            let width = first == 0xfc ? 2 : (first == 0xfd ? 3 : 8)
            guard remaining >= 1 &+ width else { return nil }
            offset &+= 1
            return readUInt(width: width)
        default:
            return nil
        }
    }

    /// Bytes of a length-encoded string; the outer optional is nil on short input, the inner
    /// one for the NULL marker 0xfb (text result rows).
    mutating func readLengthEncodedBytes() -> UnsafeRawBufferPointer?? {
        guard let first = peekByte() else { return nil }
        if first == 0xfb {
            offset &+= 1
            return .some(nil)
        }
        let start = offset
        guard let length = readLengthEncoded(), length <= UInt64(remaining) else {
            offset = start
            return nil
        }
        return .some(readBytes(Int(length)))
    }

    mutating func readBytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= remaining else { return nil }
        defer { offset &+= count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset &+ count)])
    }

    /// Bytes up to a NUL (consumed, not returned); nil when there is no NUL.
    mutating func readNulTerminated() -> UnsafeRawBufferPointer? {
        var end = offset
        while end < bytes.count, bytes[end] != 0 { end &+= 1 }
        guard end < bytes.count else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
        offset = end &+ 1
        return slice
    }

    /// Bytes up to a NUL or the end of the payload (some clients omit the final NUL).
    mutating func readNulTerminatedOrRest() -> UnsafeRawBufferPointer {
        if let s = readNulTerminated() { return s }
        return readRest()
    }

    mutating func readRest() -> UnsafeRawBufferPointer {
        defer { offset = bytes.count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<bytes.count])
    }

    mutating func readLengthEncodedString() -> String? {
        guard let value = readLengthEncodedBytes(), let bytes = value else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    /// Text from wire bytes; invalid UTF-8 is repaired rather than rejected.
    init(wire bytes: UnsafeRawBufferPointer) {
        self = String(decoding: bytes, as: UTF8.self)
    }
}
