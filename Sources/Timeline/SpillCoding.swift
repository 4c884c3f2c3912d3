import CaptureIO

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
        guard bytes.count &- position >= 4 else { return nil }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self)))
        position &+= 4
        guard bytes.count &- position >= length else { return nil }
        defer { position &+= length }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<(position &+ length)]), as: UTF8.self)
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
