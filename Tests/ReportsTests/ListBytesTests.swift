import Testing
@testable import Reports

/// The byte writers of the `http` and `sql` lists give the text of the String functions the
/// other reports use.
@Suite struct ListBytesTests {
    @Test func decimalIsStringsText() {
        for value in [0, 1, -1, 9, 10, 99, 100, 12_345, -987_654_321, Int.max, Int.min, Int.min + 1] {
            var out: [UInt8] = []
            out.append(decimal: value)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }

    @Test func format3IsAnalysisTextsText() {
        let values: [Double] = [0, 0.2, 0.0004, 0.0005, 0.9995, 1, 12.3456, 999.9999, -0.0001, -0.2, -12.5,
                                1e12, 9.2e12, .nan, .infinity, -.infinity, 1.0 / 3]
        for value in values {
            var out: [UInt8] = []
            out.append(format3: value)
            #expect(String(decoding: out, as: UTF8.self) == AnalysisText.format3(value), "\(value)")
        }
    }

    @Test func abbreviatedIsAnalysisTextsText() {
        let pieces = ["a", "é", "日本", "🙂", "\t", "\n", "\r\n", " "]
        var texts = ["", "SELECT 1", "tab\there", "line\nbreak"]
        for length in [1, 2, 3, 4, 5, 196, 197, 198, 199, 200, 201, 202, 203, 450] {
            for (i, piece) in pieces.enumerated() {
                texts.append(String(repeating: "x", count: length) + piece)
                texts.append(String(repeating: piece, count: length))
                texts.append((0..<length).map { pieces[($0 + i) % pieces.count] }.joined())
            }
        }
        for text in texts {
            for limit in [0, 1, 3, 4, 10, 200] {
                var out: [UInt8] = Array("prefix\t".utf8)
                var utf8 = text
                utf8.withUTF8 { out.append(abbreviated: UnsafeRawBufferPointer($0), limit) }
                #expect(String(decoding: out, as: UTF8.self) == "prefix\t" + AnalysisText.abbreviated(text, limit))
            }
        }
    }
}
