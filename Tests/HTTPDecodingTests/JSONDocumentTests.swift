import Testing
@testable import HTTPDecoding

@Suite struct JSONDocumentTests {
    @Test func parsesGlanceImage() throws {
        let text = """
        {"name": "cirros", "size": 8388608, "virtual_size": null, "protected": false, "tags": [], "min_ram": 0,
         "checksum": "bd19b23c9415457bda40be50b9f0edb0", "big": 18446744073709551615, "ratio": -1.5e3, "os_hidden": true}
        """
        let doc = try JSONDocument(parsing: text)
        #expect(doc["name"]?.stringValue == "cirros")
        #expect(doc["size"]?.intValue == 8_388_608)
        #expect(doc["virtual_size"]?.isNull == true)
        #expect(doc["protected"]?.boolValue == false)
        #expect(doc["tags"] == .array([]))
        #expect(doc["big"] == .number("18446744073709551615"))  // kept exactly, too big for Int64
        #expect(doc["big"]?.intValue == nil)
        #expect(doc["ratio"]?.scalarText == "-1.5e3")
        #expect(doc["missing"] == nil)
        #expect(try JSONDocument(parsing: doc.serialized) == doc)
    }

    @Test func stringEscapes() throws {
        let doc = try JSONDocument(parsing: #"["a\"b\\c\/d\n\t\u00e9\ud83d\ude00\u0001", "\ud800x"]"#)
        #expect(doc[0]?.stringValue == "a\"b\\c/d\n\té😀\u{1}")
        #expect(doc[1]?.stringValue == "\u{FFFD}x")
        #expect(try JSONDocument(parsing: doc.serialized) == doc)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "tru", "\"abc", "\"a\u{1}\"", "[1] x", "{\"a\":1,}", "\"\\x\""])
    func rejectsInvalid(text: String) {
        #expect(throws: JSONParseError.self) { try JSONDocument(parsing: text) }
    }

    @Test func depthIsBounded() throws {
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(throws: Never.self) { try JSONDocument(parsing: ok, maxDepth: 10) }
        #expect(throws: JSONParseError.self) { try JSONDocument(parsing: "[" + ok + "]", maxDepth: 10) }
    }
}
