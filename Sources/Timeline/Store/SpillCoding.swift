import ByteReading
import CaptureIO
import MySQLDecoding

// The byte forms of facts in a `SpillFile` (`SQLFactCodec`, `HTTPFactCodec`): fixed-width
// little-endian integers and length-prefixed UTF-8. Only this process reads them back, so there
// is no version or schema; the reader still checks every length, as it would for any file.

/// What every spilled fact starts with: when it began and ended, and on which connection. Its
/// size is fixed, so a pass that wants something further on skips it (`skipFactHead()`).
struct SpilledFactHead {
    static let size = 24
    var time: Timestamp
    var end: Timestamp
    var connection: Int
}

extension Array where Element == UInt8 {
    mutating func put(_ head: SpilledFactHead) {
        put(head.time.nanoseconds)
        put(head.end.nanoseconds)
        put(Int64(head.connection))
    }

    mutating func put(_ value: Int64) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }

    mutating func put(_ value: Int64?) {
        guard let value else { append(0); return }
        append(1)
        put(value)
    }

    mutating func put(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            Swift.withUnsafeBytes(of: UInt32(truncatingIfNeeded: utf8.count).littleEndian) { append(contentsOf: $0) }
            append(contentsOf: utf8)
        }
    }

    mutating func put(_ texts: [String]) {
        put(Int64(texts.count))
        for text in texts { put(text) }
    }

    /// In key order, so that equal maps encode alike.
    mutating func put(_ map: [String: String]) {
        put(Int64(map.count))
        for (key, value) in map.sorted(by: { $0.key < $1.key }) {
            put(key)
            put(value)
        }
    }

    mutating func put(_ text: String?) {
        guard let text else { append(0); return }
        append(1)
        put(text)
    }

    /// Length-prefixed raw bytes.
    mutating func put(bytes: [UInt8]) {
        Swift.withUnsafeBytes(of: UInt32(truncatingIfNeeded: bytes.count).littleEndian) { append(contentsOf: $0) }
        append(contentsOf: bytes)
    }

    mutating func put(_ values: [UInt32]) {
        put(Int64(values.count))
        values.withUnsafeBytes { raw in
            if UInt32(1).littleEndian == 1 {
                append(contentsOf: raw)
            } else {
                for value in values { Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) } }
            }
        }
    }

    /// Kept result rows: column names, value bytes, value and row ends.
    mutating func put(_ rows: MySQLRows) {
        let parts = rows.parts
        put(parts.columns)
        put(bytes: parts.bytes)
        put(parts.valueEnds)
        put(parts.rowEnds)
    }
}

/// Reads what the fact codecs wrote: the one byte reader with the spill record's reads on top;
/// every read is bounds-checked and nil past the end.
typealias SpillReader = ByteReader

extension ByteReader {
    mutating func factHead() -> SpilledFactHead? {
        guard let time = int(), let end = int(), let connection = int() else { return nil }
        return SpilledFactHead(time: Timestamp(nanoseconds: time), end: Timestamp(nanoseconds: end),
                               connection: Int(truncatingIfNeeded: connection))
    }

    mutating func skipFactHead() -> Bool { skip(SpilledFactHead.size) }

    mutating func byte() -> UInt8? { readByte() }

    mutating func int() -> Int64? { readInteger(endianness: .little) }

    /// A value written after a presence flag (`put(_: T?)`): `.some(nil)` when it was nil, nil
    /// when the bytes run out.
    @inline(__always)
    mutating func optional<Value>(_ read: (inout Self) -> Value?) -> Value?? {
        guard let flag = byte() else { return nil }
        if flag == 0 { return .some(nil) }
        guard let value = read(&self) else { return nil }
        return .some(value)
    }

    mutating func optionalInt() -> Int64?? { optional { $0.int() } }

    mutating func string() -> String? {
        stringBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of a string written by `put(_: String)` (or of `put(bytes:)`), in place.
    mutating func stringBytes() -> UnsafeRawBufferPointer? {
        let saved = self
        guard let length = readInteger(endianness: .little, as: UInt32.self), let text = readBytes(Int(length)) else {
            self = saved
            return nil
        }
        return text
    }

    mutating func skipOptionalString() -> Bool {
        guard let flag = byte() else { return false }
        return flag == 0 || stringBytes() != nil
    }

    /// The bytes of a string written by `put(_: String?)`, in place; `.some(nil)` for nil.
    mutating func optionalStringBytes() -> UnsafeRawBufferPointer?? { optional { $0.stringBytes() } }

    mutating func optionalString() -> String?? { optional { $0.string() } }

    /// A count written by `put`, checked against what is left (each element needs a byte at least).
    mutating func count() -> Int? {
        guard let n = int(), n >= 0, n <= Int64(readableBytes) else { return nil }
        return Int(n)
    }

    mutating func strings() -> [String]? {
        guard let n = count() else { return nil }
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            guard let text = string() else { return nil }
            out.append(text)
        }
        return out
    }

    /// Bytes written by `put(bytes:)`.
    mutating func byteArray() -> [UInt8]? {
        stringBytes().map { Array($0) }
    }

    mutating func uint32s() -> [UInt32]? {
        guard let n = count(), n <= readableBytes / 4 else { return nil }
        var out = [UInt32](repeating: 0, count: n)
        for i in 0..<n { out[i] = readInteger(endianness: .little) ?? 0 }
        return out
    }

    mutating func rows() -> MySQLRows? {
        guard let columns = strings(), let data = byteArray(), let valueEnds = uint32s(), let rowEnds = uint32s() else { return nil }
        return MySQLRows(columns: columns, bytes: data, valueEnds: valueEnds, rowEnds: rowEnds)
    }

    /// Passes over what `put(_: MySQLRows)` wrote without building it.
    mutating func skipRows() -> Bool {
        guard let columns = count() else { return false }
        for _ in 0..<columns where stringBytes() == nil { return false }
        guard stringBytes() != nil, let values = count(), skip(values &* 4), let rows = count(), skip(rows &* 4) else { return false }
        return true
    }

    mutating func stringMap() -> [String: String]? {
        guard let n = count() else { return nil }
        var out: [String: String] = [:]
        for _ in 0..<n {
            guard let key = string(), let value = string() else { return nil }
            out[key] = value
        }
        return out
    }
}
