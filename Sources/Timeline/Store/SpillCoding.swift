import CaptureIO
import MySQLDecoding

// The byte forms of facts in a `SpillFile` (`SQLFactCodec`, `HTTPFactCodec`): fixed-width
// little-endian integers and length-prefixed UTF-8. Only this process reads them back, so there
// is no version or schema; the reader still checks every length, as it would for any file.

extension Array where Element == UInt8 {
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

/// Reads what the fact codecs wrote; every read is bounds-checked and nil past the end.
struct SpillReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func skip(_ count: Int) -> Bool {
        guard bytes.count &- position >= count else { return false }
        position &+= count
        return true
    }

    mutating func byte() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position &+= 1 }
        return bytes[position]
    }

    mutating func int() -> Int64? {
        guard bytes.count &- position >= 8 else { return nil }
        defer { position &+= 8 }
        return Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: Int64.self))
    }

    mutating func optionalInt() -> Int64?? {
        guard let flag = byte() else { return nil }
        if flag == 0 { return .some(nil) }
        guard let value = int() else { return nil }
        return .some(value)
    }

    mutating func string() -> String? {
        stringBytes().map { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of a string written by `put(_: String)` (or of `put(bytes:)`), in place.
    mutating func stringBytes() -> UnsafeRawBufferPointer? {
        guard bytes.count &- position >= 4 else { return nil }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self)))
        position &+= 4
        guard bytes.count &- position >= length else { return nil }
        defer { position &+= length }
        return UnsafeRawBufferPointer(rebasing: bytes[position..<(position &+ length)])
    }

    mutating func skipOptionalString() -> Bool {
        guard let flag = byte() else { return false }
        return flag == 0 || stringBytes() != nil
    }

    /// The bytes of a string written by `put(_: String?)`, in place; `.some(nil)` for nil.
    mutating func optionalStringBytes() -> UnsafeRawBufferPointer?? {
        guard let flag = byte() else { return nil }
        if flag == 0 { return .some(nil) }
        guard let value = stringBytes() else { return nil }
        return .some(value)
    }

    mutating func optionalString() -> String?? {
        guard let flag = byte() else { return nil }
        if flag == 0 { return .some(nil) }
        guard let value = string() else { return nil }
        return .some(value)
    }

    /// A count written by `put`, checked against what is left (each element needs a byte at least).
    mutating func count() -> Int? {
        guard let n = int(), n >= 0, n <= Int64(bytes.count &- position) else { return nil }
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
        guard let n = count(), n <= (bytes.count &- position) / 4 else { return nil }
        var out = [UInt32](repeating: 0, count: n)
        for i in 0..<n {
            out[i] = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
            position &+= 4
        }
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
