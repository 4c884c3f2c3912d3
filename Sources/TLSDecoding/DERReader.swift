import ByteReading
/// A minimal, bounded DER walker: enough of X.690 to find a certificate's names and dates.
///
/// Only single-byte tags and definite lengths of up to four bytes are accepted (DER forbids the
/// rest in certificates); anything else ends the walk with nil, never a trap.
struct DERReader {
    private var reader: ByteReader

    init(_ reader: ByteReader) { self.reader = reader }

    var isAtEnd: Bool { reader.isAtEnd }

    /// The next element's tag and a reader over its contents.
    mutating func next() -> (tag: UInt8, contents: ByteReader)? {
        let saved = reader
        guard let tag = reader.readByte(), tag & 0x1f != 0x1f, let first = reader.readByte() else {
            reader = saved
            return nil
        }
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count >= 1, count <= 4 else { reader = saved; return nil }
            for _ in 0..<count {
                guard let byte = reader.readByte() else { reader = saved; return nil }
                length = length << 8 | Int(byte)
            }
        }
        guard let contents = reader.readSlice(length) else { reader = saved; return nil }
        return (tag, contents)
    }

    /// The next element if it has `tag`; otherwise nothing is consumed.
    mutating func next(tag expected: UInt8) -> ByteReader? {
        let saved = reader
        guard let element = next(), element.tag == expected else { reader = saved; return nil }
        return element.contents
    }

    static let sequence: UInt8 = 0x30
    static let set: UInt8 = 0x31
    static let integer: UInt8 = 0x02
    static let objectIdentifier: UInt8 = 0x06
    static let octetString: UInt8 = 0x04
    static let boolean: UInt8 = 0x01
    static let utcTime: UInt8 = 0x17
    static let generalizedTime: UInt8 = 0x18
}

extension DERReader {
    /// Dotted-decimal text of OBJECT IDENTIFIER contents, or nil when malformed.
    static func objectIdentifierText(_ contents: ByteReader) -> String? {
        var reader = contents
        var arcs = [UInt64]()
        var value: UInt64 = 0
        var count = 0
        while let byte = reader.readByte() {
            guard value >> 56 == 0 else { return nil }
            value = value << 7 | UInt64(byte & 0x7f)
            count += 1
            if byte & 0x80 == 0 {
                arcs.append(value)
                value = 0
            }
        }
        guard count > 0, let first = arcs.first else { return nil }
        // The first subidentifier packs two arcs: 40 * X + Y.
        let head = first < 80 ? [first / 40, first % 40] : [2, first - 80]
        return (head + arcs.dropFirst()).map(String.init).joined(separator: ".")
    }

    /// Text of a DirectoryString or IA5String; BMPString is UTF-16BE.
    static func stringValue(tag: UInt8, _ contents: ByteReader) -> String {
        let bytes = contents.unreadBytes
        if tag == 0x1e {  // BMPString
            var units = [UInt16]()
            var i = 0
            while i + 1 < bytes.count {
                units.append(UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]))
                i += 2
            }
            return String(decoding: units, as: UTF16.self)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Seconds since the Unix epoch of a UTCTime or GeneralizedTime in `Z` form.
    static func timeValue(tag: UInt8, _ contents: ByteReader) -> Int64? {
        let text = contents.unreadBytes
        let digitsOfYear = tag == DERReader.utcTime ? 2 : 4
        guard text.count >= digitsOfYear + 10 else { return nil }
        func number(_ start: Int, _ length: Int) -> Int64? {
            var value: Int64 = 0
            for i in start..<(start + length) {
                let c = text[i]
                guard c >= 0x30, c <= 0x39 else { return nil }
                value = value * 10 + Int64(c - 0x30)
            }
            return value
        }
        guard var year = number(0, digitsOfYear),
              let month = number(digitsOfYear, 2), let day = number(digitsOfYear + 2, 2),
              let hour = number(digitsOfYear + 4, 2), let minute = number(digitsOfYear + 6, 2),
              let second = number(digitsOfYear + 8, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        // RFC 5280 4.1.2.5.1: UTCTime years 50-99 are 19YY, 00-49 are 20YY.
        if tag == DERReader.utcTime { year += year < 50 ? 2000 : 1900 }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// Howard Hinnant's days-from-civil: days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
