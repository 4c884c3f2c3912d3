/// The image ids a capture knows, indexed so that finding which of them a SQL statement names
/// costs one pass over the statement whatever the number of images.
///
/// Searching every statement for every id grows with statements x images: on a day's capture of
/// a busy cloud (hundreds of images, a hundred thousand statements) that search was the timeline's
/// largest cost. Glance's ids are UUIDs (8-4-4-4-12 hex digits): the statement is scanned for
/// UUID-shaped words, each looked up by its 128-bit value and confirmed byte for byte. Ids of
/// another shape (rare: tests, other services' ids) keep the plain search.
struct ImageIDIndex {
    private var byValue: [UUIDValue: [String]] = [:]
    /// Ids that are not UUID-shaped, sorted.
    private var others: [String] = []

    var isEmpty: Bool { byValue.isEmpty && others.isEmpty }

    init(_ ids: some Sequence<String>) {
        for id in ids {
            var text = id
            let value = text.withUTF8 { Self.uuidValue(UnsafeRawBufferPointer($0), at: 0) }
            if let value, id.utf8.count == Self.length {
                byValue[value, default: []].append(id)
            } else {
                others.append(id)
            }
        }
        others.sort()
    }

    /// The smallest known id (in `String` order) that `statement` contains, as a search of the
    /// sorted ids one by one would find it; nil when it names none.
    func smallestContained(in statement: UnsafeRawBufferPointer) -> String? {
        var best = others.first { statement.containsBytes($0) }
        guard !byValue.isEmpty, statement.count >= Self.length else { return best }
        var offset = 0
        while offset + Self.length <= statement.count {
            // Every UUID has a dash 8 bytes in: each dash is a candidate start 8 bytes before it.
            guard let dash = statement[(offset + 8)...].firstIndex(of: 0x2D) else { break }
            let start = dash - 8
            if start + Self.length > statement.count { break }
            if let value = Self.uuidValue(statement, at: start), let ids = byValue[value] {
                let word = UnsafeRawBufferPointer(rebasing: statement[start..<(start + Self.length)])
                for id in ids where id.utf8.elementsEqual(word) {
                    if best.map({ id < $0 }) ?? true { best = id }
                }
            }
            offset = start + 1
        }
        return best
    }

    private static let length = 36

    /// The value of the UUID-shaped word at `start` (hex digits of either case), or nil.
    private static func uuidValue(_ bytes: UnsafeRawBufferPointer, at start: Int) -> UUIDValue? {
        guard start >= 0, start + length <= bytes.count else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        for i in 0..<length {
            let byte = bytes[start + i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard byte == 0x2D else { return nil }
                continue
            }
            let nibble: UInt8
            switch byte {
            case 0x30...0x39: nibble = byte - 0x30
            case 0x61...0x66: nibble = byte - 0x61 + 10
            case 0x41...0x46: nibble = byte - 0x41 + 10
            default: return nil
            }
            if digits < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt64(nibble) }
            digits += 1
        }
        return UUIDValue(high: high, low: low)
    }

    private struct UUIDValue: Hashable {
        var high: UInt64
        var low: UInt64
    }
}

extension FactStore where Fact == SQLFact {
    /// The smallest of `ids` the command's statement contains, searched in the stored bytes.
    func statement(at position: Int, naming ids: ImageIDIndex) -> String? {
        partial(at: position) { bytes in SQLFactCodec.statementBytes(bytes) { ids.smallestContained(in: $0) } ?? nil } ?? nil
    }
}
