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
