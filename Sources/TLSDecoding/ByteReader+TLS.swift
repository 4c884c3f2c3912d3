import ByteReading

/// TLS's reads on top of the one byte reader (RFC 8446 3.3-3.4): 24-bit lengths and vectors
/// with a one-, two- or three-byte length prefix, each a reader over the vector's bytes.
extension ByteReader {
    mutating func readUInt24() -> Int? {
        readUInt(width: 3, endianness: .big).map { Int($0) }
    }

    /// The next `count` bytes as a copy, or nil when fewer remain.
    mutating func readArray(_ count: Int) -> [UInt8]? {
        readBytes(count).map { Array($0) }
    }

    /// A TLS vector with a one-byte length prefix.
    mutating func readVector8() -> ByteReader? {
        let saved = self
        guard let length = readByte(), let sub = readSlice(Int(length)) else { self = saved; return nil }
        return sub
    }

    /// A TLS vector with a two-byte length prefix.
    mutating func readVector16() -> ByteReader? {
        let saved = self
        guard let length = readInteger(as: UInt16.self), let sub = readSlice(Int(length)) else { self = saved; return nil }
        return sub
    }

    /// A TLS vector with a three-byte length prefix.
    mutating func readVector24() -> ByteReader? {
        let saved = self
        guard let length = readUInt24(), let sub = readSlice(length) else { self = saved; return nil }
        return sub
    }
}
