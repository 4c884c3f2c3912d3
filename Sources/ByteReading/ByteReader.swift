/// The byte order of a multi-byte integer on the wire.
public enum Endianness: Sendable {
    /// Network byte order: IP, TCP, TLS.
    case big
    /// MySQL's wire protocol and our own spill files.
    case little
}

/// A bounds-checked cursor over untrusted bytes: captured packets, stream bytes, spilled facts.
///
/// The one reader every decoder builds on (swift-nio `ByteBuffer`'s rule): a read returns nil
/// when the bytes run out and moves `readerIndex` only when it succeeds, so a parser can probe
/// and back off by keeping a copy (`let saved = reader`). Reads of byte runs return views that
/// share the underlying storage; nothing is allocated per read. Protocol-specific reads
/// (MySQL's length-encoded integers, TLS vectors, spill records) are extensions in their module.
///
/// The reader does not own its bytes: it is valid only while the buffer it was made from is.
@frozen
public struct ByteReader {
    /// All the bytes, read or not.
    public let bytes: UnsafeRawBufferPointer
    /// The offset of the next byte to read, in `0...bytes.count`.
    @inlinable
    public var readerIndex: Int { _readerIndex }

    @usableFromInline
    var _readerIndex: Int

    /// A reader over `bytes`, starting at `offset` (clamped to the buffer).
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        _readerIndex = Swift.min(Swift.max(offset, 0), bytes.count)
    }

    /// How many bytes are left to read.
    @inlinable
    public var readableBytes: Int { bytes.count &- readerIndex }

    /// Whether every byte has been read.
    @inlinable
    public var isAtEnd: Bool { readerIndex >= bytes.count }

    /// The unread bytes, without consuming them.
    @inlinable
    public var unreadBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[readerIndex..<bytes.count])
    }

    /// The next byte, without consuming it.
    @inlinable
    public func peekByte() -> UInt8? {
        readerIndex < bytes.count ? bytes[readerIndex] : nil
    }

    /// The next byte, consumed; nil at the end.
    @inlinable
    public mutating func readByte() -> UInt8? {
        guard readerIndex < bytes.count else { return nil }
        defer { _readerIndex &+= 1 }
        return bytes[readerIndex]
    }

    /// An integer of `T`'s width in the given byte order.
    @inlinable
    public mutating func readInteger<T: FixedWidthInteger>(endianness: Endianness = .big, as: T.Type = T.self) -> T? {
        guard let value = bytes.integer(at: readerIndex, endianness: endianness, as: T.self) else { return nil }
        _readerIndex &+= MemoryLayout<T>.size
        return value
    }

    /// An unsigned integer of `width` bytes (1...8) in the given byte order.
    @inlinable
    public mutating func readUInt(width: Int, endianness: Endianness) -> UInt64? {
        guard width >= 1, width <= 8, width <= readableBytes else { return nil }
        var value: UInt64 = 0
        for i in 0..<width {
            let byte = UInt64(bytes[readerIndex &+ i])
            switch endianness {
            case .big: value = value << 8 | byte
            case .little: value |= byte << UInt64(8 &* i)
            }
        }
        _readerIndex &+= width
        return value
    }

    /// The next `count` bytes as a view of the same storage.
    @inlinable
    public mutating func readBytes(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, count <= readableBytes else { return nil }
        defer { _readerIndex &+= count }
        return UnsafeRawBufferPointer(rebasing: bytes[readerIndex..<(readerIndex &+ count)])
    }

    /// A reader over the next `count` bytes, which this reader passes over.
    @inlinable
    public mutating func readSlice(_ count: Int) -> ByteReader? {
        readBytes(count).map { ByteReader($0) }
    }

    /// Every unread byte; the reader is then at its end.
    @inlinable
    public mutating func readRest() -> UnsafeRawBufferPointer {
        defer { _readerIndex = bytes.count }
        return unreadBytes
    }

    /// Passes over `count` bytes; false (and nothing consumed) when fewer are left.
    @inlinable
    public mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= readableBytes else { return false }
        _readerIndex &+= count
        return true
    }

    /// Bytes up to a NUL (the NUL consumed, not returned); nil when there is no NUL.
    @inlinable
    public mutating func readNulTerminated() -> UnsafeRawBufferPointer? {
        var end = readerIndex
        while end < bytes.count, bytes[end] != 0 { end &+= 1 }
        guard end < bytes.count else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[readerIndex..<end])
        _readerIndex = end &+ 1
        return slice
    }
}

/// Random-access reads at a given offset, for fixed-layout headers (IP, TCP): nil instead of a
/// trap when the field is not wholly inside the buffer, since captured bytes may be cut or bent.
extension UnsafeRawBufferPointer {
    /// The byte at `offset`; nil outside the buffer.
    @inlinable @inline(__always)
    public func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return self[offset]
    }

    /// The integer whose bytes start at `offset`, in `endianness`; nil unless all its bytes are inside.
    @inlinable @inline(__always)
    public func integer<T: FixedWidthInteger>(at offset: Int, endianness: Endianness = .big, as: T.Type = T.self) -> T? {
        guard offset >= 0, offset <= count &- MemoryLayout<T>.size else { return nil }
        let raw = loadUnaligned(fromByteOffset: offset, as: T.self)
        switch endianness {
        case .big: return T(bigEndian: raw)
        case .little: return T(littleEndian: raw)
        }
    }

    /// A big-endian `UInt16` at `offset` (network byte order).
    @inlinable @inline(__always)
    public func uint16(at offset: Int) -> UInt16? { integer(at: offset, as: UInt16.self) }

    /// A big-endian `UInt32` at `offset`.
    @inlinable @inline(__always)
    public func uint32(at offset: Int) -> UInt32? { integer(at: offset, as: UInt32.self) }

    /// A big-endian `UInt64` at `offset`.
    @inlinable @inline(__always)
    public func uint64(at offset: Int) -> UInt64? { integer(at: offset, as: UInt64.self) }

    /// The bytes in `start..<end`, clamped to the buffer (empty when the range is outside it).
    @inlinable @inline(__always)
    public func clampedSlice(_ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        let lower = Swift.max(0, Swift.min(start, count))
        let upper = Swift.max(lower, Swift.min(end, count))
        return UnsafeRawBufferPointer(rebasing: self[lower..<upper])
    }
}
