import ByteReading

/// MySQL's reads on top of the one byte reader: its integers are little-endian, and its
/// length-encoded integers and strings (MySQL client/server protocol, "Basic Data Types").
extension ByteReader {
    /// Little-endian unsigned integer of `width` bytes (1...8).
    mutating func readUInt(width: Int) -> UInt64? { readUInt(width: width, endianness: .little) }

    mutating func readUInt16() -> UInt16? { readInteger(endianness: .little) }
    mutating func readUInt32() -> UInt32? { readInteger(endianness: .little) }

    /// Length-encoded integer; nil for the NULL marker 0xfb, the 0xff error marker, or short input.
    mutating func readLengthEncoded() -> UInt64? {
        guard let first = peekByte() else { return nil }
        switch first {
        case 0..<0xfb:
            _ = skip(1)
            return UInt64(first)
        case 0xfc, 0xfd, 0xfe:
            let width = first == 0xfc ? 2 : (first == 0xfd ? 3 : 8)
            guard readableBytes >= 1 &+ width else { return nil }
            _ = skip(1)
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
            _ = skip(1)
            return .some(nil)
        }
        let saved = self
        guard let length = readLengthEncoded(), length <= UInt64(readableBytes) else {
            self = saved
            return nil
        }
        return .some(readBytes(Int(length)))
    }

    /// Bytes up to a NUL or the end of the payload (some clients omit the final NUL).
    mutating func readNulTerminatedOrRest() -> UnsafeRawBufferPointer {
        if let s = readNulTerminated() { return s }
        return readRest()
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
