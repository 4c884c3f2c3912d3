import ByteReading
/// A column or parameter type (`MYSQL_TYPE_*`).
package struct MySQLFieldType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    package var rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    package static let decimal = MySQLFieldType(rawValue: 0)
    package static let tiny = MySQLFieldType(rawValue: 1)
    package static let short = MySQLFieldType(rawValue: 2)
    package static let long = MySQLFieldType(rawValue: 3)
    package static let float = MySQLFieldType(rawValue: 4)
    package static let double = MySQLFieldType(rawValue: 5)
    package static let null = MySQLFieldType(rawValue: 6)
    package static let timestamp = MySQLFieldType(rawValue: 7)
    package static let longlong = MySQLFieldType(rawValue: 8)
    package static let int24 = MySQLFieldType(rawValue: 9)
    package static let date = MySQLFieldType(rawValue: 10)
    package static let time = MySQLFieldType(rawValue: 11)
    package static let datetime = MySQLFieldType(rawValue: 12)
    package static let year = MySQLFieldType(rawValue: 13)
    package static let newdate = MySQLFieldType(rawValue: 14)
    package static let varchar = MySQLFieldType(rawValue: 15)
    package static let bit = MySQLFieldType(rawValue: 16)
    package static let timestamp2 = MySQLFieldType(rawValue: 17)
    package static let datetime2 = MySQLFieldType(rawValue: 18)
    package static let time2 = MySQLFieldType(rawValue: 19)
    package static let json = MySQLFieldType(rawValue: 245)
    package static let newdecimal = MySQLFieldType(rawValue: 246)
    package static let enumeration = MySQLFieldType(rawValue: 247)
    package static let set = MySQLFieldType(rawValue: 248)
    package static let tinyBlob = MySQLFieldType(rawValue: 249)
    package static let mediumBlob = MySQLFieldType(rawValue: 250)
    package static let longBlob = MySQLFieldType(rawValue: 251)
    package static let blob = MySQLFieldType(rawValue: 252)
    package static let varString = MySQLFieldType(rawValue: 253)
    package static let string = MySQLFieldType(rawValue: 254)
    package static let geometry = MySQLFieldType(rawValue: 255)

    package var description: String {
        let names: [UInt8: String] = [
            0: "DECIMAL", 1: "TINY", 2: "SHORT", 3: "LONG", 4: "FLOAT", 5: "DOUBLE", 6: "NULL", 7: "TIMESTAMP",
            8: "LONGLONG", 9: "INT24", 10: "DATE", 11: "TIME", 12: "DATETIME", 13: "YEAR", 14: "NEWDATE",
            15: "VARCHAR", 16: "BIT", 17: "TIMESTAMP2", 18: "DATETIME2", 19: "TIME2", 245: "JSON",
            246: "NEWDECIMAL", 247: "ENUM", 248: "SET", 249: "TINY_BLOB", 250: "MEDIUM_BLOB",
            251: "LONG_BLOB", 252: "BLOB", 253: "VAR_STRING", 254: "STRING", 255: "GEOMETRY",
        ]
        return names[rawValue] ?? "TYPE \(rawValue)"
    }
}

/// A value of the binary protocol (COM_STMT_EXECUTE parameters, binary result rows).
enum MySQLBinaryValue: Equatable {
    case null
    case signed(Int64)
    case unsigned(UInt64)
    case float(Float)
    case double(Double)
    /// Bytes of a length-encoded value, cut to the keep limit; `truncated` when cut.
    case bytes([UInt8], truncated: Bool, isText: Bool)
    case date(year: UInt16, month: UInt8, day: UInt8, hour: UInt8, minute: UInt8, second: UInt8, micro: UInt32, hasTime: Bool)
    case time(negative: Bool, days: UInt32, hour: UInt8, minute: UInt8, second: UInt8, micro: UInt32)

    /// Reads one value of `type`; nil when the payload is too short or the type unknown.
    static func read(_ r: inout ByteReader, type: MySQLFieldType, unsigned: Bool, keep: Int) -> MySQLBinaryValue? {
        switch type.rawValue {
        case 6:
            return .null
        case 1:
            guard let v = r.readUInt(width: 1) else { return nil }
            return unsigned ? .unsigned(v) : .signed(Int64(Int8(truncatingIfNeeded: v)))
        case 2, 13:
            guard let v = r.readUInt(width: 2) else { return nil }
            return unsigned || type == .year ? .unsigned(v) : .signed(Int64(Int16(truncatingIfNeeded: v)))
        case 3, 9:
            guard let v = r.readUInt(width: 4) else { return nil }
            return unsigned ? .unsigned(v) : .signed(Int64(Int32(truncatingIfNeeded: v)))
        case 8:
            guard let v = r.readUInt(width: 8) else { return nil }
            return unsigned ? .unsigned(v) : .signed(Int64(bitPattern: v))
        case 4:
            guard let v = r.readUInt32() else { return nil }
            return .float(Float(bitPattern: v))
        case 5:
            guard let v = r.readUInt(width: 8) else { return nil }
            return .double(Double(bitPattern: v))
        case 7, 10, 12, 14, 17, 18:
            guard let n = r.readByte(), n == 0 || n == 4 || n == 7 || n == 11, let body = r.readBytes(Int(n)) else { return nil }
            var b = ByteReader(body)
            let year = UInt16(b.readUInt(width: 2) ?? 0)
            let month = b.readByte() ?? 0, day = b.readByte() ?? 0
            let hour = b.readByte() ?? 0, minute = b.readByte() ?? 0, second = b.readByte() ?? 0
            let micro = b.readUInt32() ?? 0
            let hasTime = type != .date && type != .newdate
            return .date(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                         micro: micro, hasTime: hasTime)
        case 11, 19:
            guard let n = r.readByte(), n == 0 || n == 8 || n == 12, let body = r.readBytes(Int(n)) else { return nil }
            var b = ByteReader(body)
            let negative = (b.readByte() ?? 0) != 0
            let days = b.readUInt32() ?? 0
            let hour = b.readByte() ?? 0, minute = b.readByte() ?? 0, second = b.readByte() ?? 0
            return .time(negative: negative, days: days, hour: hour, minute: minute, second: second, micro: b.readUInt32() ?? 0)
        case 0, 15, 16, 245...255:
            guard let value = r.readLengthEncodedBytes(), let bytes = value else { return nil }
            let isText = type != .bit && type != .geometry && !(249...252).contains(type.rawValue)
            return .bytes(Array(bytes.prefix(keep)), truncated: bytes.count > keep, isText: isText)
        default:
            return nil
        }
    }

    /// The value as a text-protocol row would show it (no quotes).
    var text: String? {
        switch self {
        case .null: return nil
        case .signed(let v): return String(v)
        case .unsigned(let v): return String(v)
        case .float(let v): return MySQLBinaryValue.format(Double(v), float: true)
        case .double(let v): return MySQLBinaryValue.format(v, float: false)
        case .bytes(let b, let truncated, _):
            return String(decoding: b, as: UTF8.self) + (truncated ? "…" : "")
        case let .date(year, month, day, hour, minute, second, micro, hasTime):
            var s = pad(Int(year), 4) + "-" + pad(Int(month), 2) + "-" + pad(Int(day), 2)
            if hasTime {
                s += " " + pad(Int(hour), 2) + ":" + pad(Int(minute), 2) + ":" + pad(Int(second), 2)
                if micro != 0 { s += "." + pad(Int(micro), 6) }
            }
            return s
        case let .time(negative, days, hour, minute, second, micro):
            let hours = Int(days) &* 24 &+ Int(hour)
            var s = (negative ? "-" : "") + pad(hours, 2) + ":" + pad(Int(minute), 2) + ":" + pad(Int(second), 2)
            if micro != 0 { s += "." + pad(Int(micro), 6) }
            return s
        }
    }

    /// The value as an SQL literal, the way MariaDB's general log binds it into Execute:
    /// numbers and decimals bare, strings quoted with backslash escapes, temporal values as
    /// `DATE'…'`, `TIMESTAMP'…'`, `TIME'…'`.
    func literal(type: MySQLFieldType) -> String {
        switch self {
        case .null: return "NULL"
        case .signed, .unsigned, .float, .double: return text ?? "NULL"
        case .bytes(let b, let truncated, _):
            if type == .decimal || type == .newdecimal { return String(decoding: b, as: UTF8.self) }
            return MySQLBinaryValue.quote(b) + (truncated ? "/* truncated */" : "")
        case .date(_, _, _, _, _, _, _, let hasTime): return (hasTime ? "TIMESTAMP'" : "DATE'") + (text ?? "") + "'"
        case .time: return "TIME'" + (text ?? "") + "'"
        }
    }

    /// Quotes bytes as a string literal with MySQL's backslash escapes (`escape_string_for_mysql`).
    ///
    /// Like the server, a byte that looks like the start of a multi-byte character but is not
    /// one gets a backslash too (MariaDB 10.11 logs byte 0xff as `\` 0xff).
    static func quote(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count &+ 2)
        out.append(UInt8(ascii: "'"))
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            i &+= 1
            if b >= 0x80 {
                let length = utf8SequenceLength(bytes, at: i &- 1)
                if length > 1 {
                    out.append(contentsOf: bytes[(i &- 1)..<(i &- 1 &+ length)])
                    i &+= length &- 1
                } else {
                    if b >= 0xc2 { out.append(0x5c) }
                    out.append(b)
                }
                continue
            }
            switch b {
            case 0: out.append(contentsOf: [0x5c, UInt8(ascii: "0")])
            case 0x0a: out.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: out.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x1a: out.append(contentsOf: [0x5c, UInt8(ascii: "Z")])
            case 0x5c, 0x27, 0x22: out.append(contentsOf: [0x5c, b])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "'"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Length of a well-formed UTF-8 sequence at `index`, or 0.
    static func utf8SequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let b = bytes[index]
        let length = b < 0xc2 ? 0 : b < 0xe0 ? 2 : b < 0xf0 ? 3 : b < 0xf5 ? 4 : 0
        guard length > 1, index &+ length <= bytes.count else { return 0 }
        for k in 1..<length where bytes[index &+ k] & 0xc0 != 0x80 { return 0 }
        return length
    }

    /// Shortest round-trip text, in MySQL's style (`1e20`, not `1e+20`).
    static func format(_ value: Double, float: Bool) -> String {
        if value.isNaN || value.isInfinite { return String(describing: value) }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var s = float ? String(describing: Float(value)) : String(describing: value)
        if let e = s.firstIndex(of: "e"), s[s.index(after: e)...].hasPrefix("+") {
            s.remove(at: s.index(after: e))
        }
        return s
    }
}

@inline(__always)
private func pad(_ value: Int, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width &- s.count) + s
}
