/// A bounds-checked cursor over bytes from the wire.
///
/// Every read returns nil instead of trapping when the bytes run out, and moves the cursor only
/// on success (the swift-nio `ByteBuffer` idea). Sub-readers share the array's storage.
struct TLSByteReader {
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
        end = bytes.count
    }

    init(_ bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        let clampedEnd = max(0, min(end, bytes.count))
        position = max(0, min(start, clampedEnd))
        self.end = clampedEnd
    }

    var remaining: Int { end &- position }
    var isAtEnd: Bool { position >= end }

    mutating func readUInt8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { position &+= 1 }
        return bytes[position]
    }

    mutating func readUInt16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { position &+= 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position &+ 1])
    }

    mutating func readUInt24() -> Int? {
        guard remaining >= 3 else { return nil }
        defer { position &+= 3 }
        return Int(bytes[position]) << 16 | Int(bytes[position &+ 1]) << 8 | Int(bytes[position &+ 2])
    }

    /// The next `count` bytes as a copy, or nil when fewer remain.
    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { position &+= count }
        return Array(bytes[position..<(position &+ count)])
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, remaining >= count else { return false }
        position &+= count
        return true
    }

    /// A reader over the next `count` bytes (consumed from this reader).
    mutating func readReader(_ count: Int) -> TLSByteReader? {
        guard count >= 0, remaining >= count else { return nil }
        defer { position &+= count }
        return TLSByteReader(bytes, from: position, to: position &+ count)
    }

    /// A TLS vector with a one-byte length prefix.
    mutating func readVector8() -> TLSByteReader? {
        let saved = position
        guard let length = readUInt8(), let sub = readReader(Int(length)) else { position = saved; return nil }
        return sub
    }

    /// A TLS vector with a two-byte length prefix.
    mutating func readVector16() -> TLSByteReader? {
        let saved = position
        guard let length = readUInt16(), let sub = readReader(Int(length)) else { position = saved; return nil }
        return sub
    }

    /// A TLS vector with a three-byte length prefix.
    mutating func readVector24() -> TLSByteReader? {
        let saved = position
        guard let length = readUInt24(), let sub = readReader(length) else { position = saved; return nil }
        return sub
    }

    /// The unread bytes as a copy.
    var rest: [UInt8] { Array(bytes[position..<end]) }
}

/// Hex text of bytes, lowercase, no separators.
func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digits: [Character] = Array("0123456789abcdef")
    var out = ""
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return out
}

/// Bytes from hex text; whitespace is ignored; nil on any other non-hex character or an odd count.
func bytesFromHex<S: StringProtocol>(_ text: S) -> [UInt8]? {
    var out = [UInt8]()
    out.reserveCapacity(text.utf8.count / 2)
    var high: UInt8? = nil
    for c in text.utf8 {
        let value: UInt8
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): value = c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): value = c &- UInt8(ascii: "A") &+ 10
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): continue
        default: return nil
        }
        if let h = high {
            out.append(h << 4 | value)
            high = nil
        } else {
            high = value
        }
    }
    return high == nil ? out : nil
}
