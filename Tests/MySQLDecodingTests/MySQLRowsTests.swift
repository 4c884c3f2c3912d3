import Testing
@testable import MySQLDecoding

/// The compact row store against the dictionaries it replaces: same values, NULL apart from
/// absent, cut values marked, a repeated column name read as a dictionary would hold it.
struct MySQLRowsTests {
    @Test func wireValuesReadBackAsTheDecoderKeptThem() {
        var rows = MySQLRows()
        rows.setColumns(["id", "name", "id"])
        let long = [UInt8](repeating: 0x61, count: 10) + [0xE2, 0x82, 0xAC]  // "aaaaaaaaaa€"
        long.withUnsafeBytes { rows.appendValue($0, limit: 11) }  // cut inside the euro sign
        rows.appendNull()
        Array("7".utf8).withUnsafeBytes { rows.appendValue($0, limit: 11) }
        Array("extra".utf8).withUnsafeBytes { rows.appendValue($0, limit: 11) }
        rows.endRow()
        rows.endRow()  // an empty row (a binary row whose bitmap was cut)
        #expect(rows.count == 2)
        #expect(rows.columns == ["id", "name", "id", "column4"])
        // As `String(decoding:)` of the kept prefix, then "…": the cut sequence is repaired.
        #expect(rows.value(ofRow: 0, column: "id") == .some("7"), "the last position of a name wins")
        #expect(rows.value(ofRow: 0, column: "name") == .some(nil))
        #expect(rows.value(ofRow: 0, column: "missing") == nil)
        let expected: [String: String?] = ["id": "7", "name": nil, "column4": "extra"]
        #expect(rows.dictionary(ofRow: 0) == expected)
        #expect(rows.dictionary(ofRow: 1).isEmpty)
        var cut = MySQLRows()
        long.withUnsafeBytes { cut.appendValue($0, limit: 11) }
        cut.endRow()
        #expect(cut.dictionary(ofRow: 0)["column1"] == .some(String(decoding: long.prefix(11), as: UTF8.self) + "…"))
    }

    @Test func dictionariesRoundTripWithAbsentKeys() {
        let given: [[String: String?]] = [["a": "1", "b": nil], ["c": "3"], [:], ["a": "", "c": "ü"]]
        let rows = MySQLRows(given)
        #expect(rows.dictionaries == given)
        #expect(rows.value(ofRow: 1, column: "a") == nil, "absent, not NULL")
        #expect(rows.value(ofRow: 0, column: "b") == .some(nil))
        let parts = rows.parts
        #expect(MySQLRows(columns: parts.columns, bytes: parts.bytes, valueEnds: parts.valueEnds, rowEnds: parts.rowEnds) == rows)
    }

    @Test func partsThatDoNotFitAreRefused() {
        #expect(MySQLRows(columns: ["a"], bytes: [1, 2], valueEnds: [3], rowEnds: [1]) == nil, "value past the bytes")
        #expect(MySQLRows(columns: ["a"], bytes: [1, 2], valueEnds: [2, 1], rowEnds: [2]) == nil, "ends going back")
        #expect(MySQLRows(columns: ["a"], bytes: [1, 2], valueEnds: [2], rowEnds: [2]) == nil, "row past the values")
        #expect(MySQLRows(columns: ["a"], bytes: [1, 2], valueEnds: [2], rowEnds: []) == nil, "values outside every row")
        #expect(MySQLRows(columns: ["a"], bytes: [1, 2], valueEnds: [2], rowEnds: [1]) != nil)
    }
}
