/// Kept result rows, as compact as the wire had them: the column names once, and every value's
/// bytes one after the other.
///
/// A Glance deployment polls image rows all the time (twenty thousand SELECTs of five rows and
/// twenty columns in the benchmark capture); as dictionaries of strings, each row cost twenty
/// hashed insertions when decoded, again when spilled and read back, and a string per value that
/// was mostly never read. Here a value becomes a `String` only when asked for.
package struct MySQLRows: Sendable, Hashable {
    /// The name of each value position (a result's column names; `columnN` past them).
    package private(set) var columns: [String] = []
    /// Every value's bytes, row after row.
    private(set) var bytes: [UInt8] = []
    /// Per value: where its bytes end, with the two flags below.
    private(set) var valueEnds: [UInt32] = []
    /// Per row: where its values end in `valueEnds`.
    private(set) var rowEnds: [UInt32] = []

    static let nullFlag: UInt32 = 1 << 31
    /// The value was cut to the keep limit: "…" follows its bytes when read.
    static let cutFlag: UInt32 = 1 << 30
    /// No value at this position (rows given as dictionaries with different keys).
    static let absentFlag: UInt32 = 1 << 29
    static let endMask: UInt32 = absentFlag &- 1

    package init() {}

    /// Rows given as dictionaries (tests, hand-made facts): the columns are every key, sorted.
    package init(_ rows: [[String: String?]]) {
        columns = Set(rows.flatMap(\.keys)).sorted()
        for row in rows {
            for column in columns {
                switch row[column] {
                case .some(.some(let text)): appendText(text)
                case .some(.none): appendNull()
                case .none: endValue(flags: MySQLRows.absentFlag)
                }
            }
            endRow()
        }
    }

    /// Rebuilds rows from their parts (`parts`); nil when they do not fit together.
    package init?(columns: [String], bytes: [UInt8], valueEnds: [UInt32], rowEnds: [UInt32]) {
        var previous: UInt32 = 0
        for end in valueEnds {
            let offset = end & MySQLRows.endMask
            guard offset >= previous, Int(offset) <= bytes.count else { return nil }
            previous = offset
        }
        var previousRow: UInt32 = 0
        for end in rowEnds {
            guard end >= previousRow, Int(end) <= valueEnds.count else { return nil }
            previousRow = end
        }
        guard Int(previousRow) == valueEnds.count else { return nil }
        self.columns = columns
        self.bytes = bytes
        self.valueEnds = valueEnds
        self.rowEnds = rowEnds
    }

    /// What `init(columns:bytes:valueEnds:rowEnds:)` takes back.
    package var parts: (columns: [String], bytes: [UInt8], valueEnds: [UInt32], rowEnds: [UInt32]) {
        (columns, bytes, valueEnds, rowEnds)
    }

    package var count: Int { rowEnds.count }
    package var isEmpty: Bool { rowEnds.isEmpty }

    // MARK: building (the decoder)

    /// Names the value positions of the rows to come.
    mutating func setColumns(_ names: [String]) {
        columns = names
    }

    /// Appends the next value of the current row: its wire bytes, cut to `limit` bytes.
    mutating func appendValue(_ value: UnsafeRawBufferPointer, limit: Int) {
        let kept = value.count <= limit ? value : UnsafeRawBufferPointer(rebasing: value.prefix(max(0, limit)))
        bytes.append(contentsOf: kept)
        endValue(flags: kept.count < value.count ? MySQLRows.cutFlag : 0)
    }

    /// Appends a value already cut by the caller, read back with "…".
    mutating func appendCutValue(_ value: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: value)
        endValue(flags: MySQLRows.cutFlag)
    }

    mutating func appendNull() {
        endValue(flags: MySQLRows.nullFlag)
    }

    mutating func appendText(_ text: String) {
        bytes.append(contentsOf: text.utf8)
        endValue(flags: 0)
    }

    /// Ends the current row.
    mutating func endRow() {
        rowEnds.append(UInt32(truncatingIfNeeded: valueEnds.count))
    }

    private mutating func endValue(flags: UInt32) {
        let position = valueEnds.count - Int(rowEnds.last ?? 0)
        while columns.count <= position { columns.append("column\(columns.count + 1)") }
        valueEnds.append(UInt32(truncatingIfNeeded: min(bytes.count, Int(MySQLRows.endMask))) | flags)
    }

    // MARK: reading

    /// The value in row `row` under `column` (the last position of that name, as a dictionary
    /// built from the row would hold it): nil when the row has no such value, .some(nil) for NULL.
    package func value(ofRow row: Int, column: String) -> String?? {
        let range = valueRange(ofRow: row)
        var position = range.count
        while position > 0 {
            position -= 1
            guard position < columns.count, columns[position] == column else { continue }
            return isAbsent(range.lowerBound + position) ? nil : .some(value(at: range.lowerBound + position))
        }
        return nil
    }

    /// Row `row` as column name -> value.
    package func dictionary(ofRow row: Int) -> [String: String?] {
        var dictionary: [String: String?] = [:]
        let range = valueRange(ofRow: row)
        for (position, index) in range.enumerated() where position < columns.count && !isAbsent(index) {
            dictionary[columns[position]] = .some(value(at: index))
        }
        return dictionary
    }

    /// Every row as column name -> value.
    package var dictionaries: [[String: String?]] { (0..<count).map { dictionary(ofRow: $0) } }

    private func valueRange(ofRow row: Int) -> Range<Int> {
        guard row >= 0, row < rowEnds.count else { return 0..<0 }
        let start = row == 0 ? 0 : Int(rowEnds[row - 1])
        return start..<Int(rowEnds[row])
    }

    private func isAbsent(_ index: Int) -> Bool { valueEnds[index] & MySQLRows.absentFlag != 0 }

    private func value(at index: Int) -> String? {
        let end = valueEnds[index]
        guard end & (MySQLRows.nullFlag | MySQLRows.absentFlag) == 0 else { return nil }
        let start = index == 0 ? 0 : Int(valueEnds[index - 1] & MySQLRows.endMask)
        let text = bytes[start..<Int(end & MySQLRows.endMask)].withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        return end & MySQLRows.cutFlag != 0 ? text + "…" : text
    }
}
