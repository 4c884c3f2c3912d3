import ByteReading

/// Protobuf's binary wire format read from untrusted bytes (a receiver's answer): every read is
/// bounds-checked by `ByteReader` and returns nil on a malformed message, never traps.
extension ByteReader {
    /// A base-128 varint of at most ten bytes.
    mutating func readVarint() -> UInt64? {
        var saved = self
        var value: UInt64 = 0
        for shift in stride(from: UInt64(0), to: 70, by: 7) {
            guard let byte = saved.readByte() else { return nil }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 {
                self = saved
                return value
            }
        }
        return nil
    }

    /// The next field's number and wire type; nil at a malformed key.
    mutating func readFieldKey() -> (number: UInt64, wireType: UInt64)? {
        guard let key = readVarint(), key >> 3 != 0 else { return nil }
        return (key >> 3, key & 7)
    }

    /// The contents of a length-delimited field (wire type 2), its length checked against what is left.
    mutating func readLengthDelimited() -> ByteReader? {
        guard let length = readVarint(), length <= UInt64(readableBytes) else { return nil }
        return readSlice(Int(length))
    }

    /// Skips the value of a field nobody asked for; false when it is malformed (or a group,
    /// proto2's deprecated wire types, which no OTLP message has).
    mutating func skipField(wireType: UInt64) -> Bool {
        switch wireType {
        case 0: return readVarint() != nil
        case 1: return skip(8)
        case 2: return readLengthDelimited() != nil
        case 5: return skip(4)
        default: return false
        }
    }
}
