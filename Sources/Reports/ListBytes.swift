import Timeline

// Appending a listing's text to a byte buffer: the `http` and `sql` lists write their lines as
// UTF-8 bytes, from the facts' stored bytes, with no String per field or per line.

extension Array where Element == UInt8 {
    /// A literal's UTF-8 bytes.
    @inline(__always)
    mutating func append(_ text: StaticString) {
        text.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// A String's UTF-8 bytes.
    @inline(__always)
    mutating func append(text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Stored UTF-8 bytes (`StoredText`).
    @inline(__always)
    mutating func append(stored text: StoredText) {
        append(contentsOf: text)
    }

    /// `value` in decimal, as `String(value)` writes it.
    mutating func append(decimal value: Int) {
        var magnitude = value.magnitude
        if value < 0 { append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: enough for 20 digits
        var count = 0
        Swift.withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[23 &- count] = 48 &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
                count &+= 1
            } while magnitude > 0
            append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 &- count)...]))
        }
    }

    /// `value` (not negative, below 10^width) in exactly `width` digits.
    mutating func append(digits value: Int64, width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor &*= 10 }
        while divisor > 0 {
            append(48 &+ UInt8(truncatingIfNeeded: (value / divisor) % 10))
            divisor /= 10
        }
    }

    /// `AnalysisText.format3(value)`: three decimals, "n/a" when not finite.
    mutating func append(format3 value: Double) {
        guard value.isFinite else { append("n/a"); return }
        let scaled = Int64((abs(value) * 1000).rounded())
        if value < 0 { append(UInt8(ascii: "-")) }
        append(decimal: Int(scaled / 1000))
        append(UInt8(ascii: "."))
        append(digits: scaled % 1000, width: 3)
    }

    /// `AnalysisText.abbreviated(text, limit)` of stored UTF-8 bytes: at most `limit` Unicode
    /// scalars (a longer text keeps `limit - 3` and ends in "..."), tabs and line breaks as spaces.
    mutating func append(abbreviated text: StoredText, _ limit: Int) {
        // A scalar starts at every byte that is not a continuation byte (10xxxxxx).
        var scalars = 0
        var cut = text.count  // where scalar `limit - 3` starts, once the text proves longer
        var keep = text.count
        for i in 0..<text.count where text[i] & 0xC0 != 0x80 {
            if scalars == Swift.max(limit &- 3, 0) { cut = i }
            if scalars == limit { keep = cut; break }
            scalars &+= 1
        }
        let start = count
        append(contentsOf: UnsafeRawBufferPointer(rebasing: text[..<keep]))
        if keep < text.count { append("...") }
        for i in start..<count where self[i] == 0x0A || self[i] == 0x0D || self[i] == 0x09 { self[i] = 0x20 }
    }
}
