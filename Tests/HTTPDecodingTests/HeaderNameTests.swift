import Testing
@testable import HTTPDecoding

/// A field line is `token ":" value` (RFC 9110 5.1): usual names are recognised without a check
/// of their bytes (issue 25), every other name is checked, and a line that is not a field is
/// reported, whatever the name looks like.
@Suite struct HeaderNameTests {
    @Test func onlyTokenNamesMakeFields() throws {
        let head = "GET / HTTP/1.1\r\n"
            + "Host: a\r\n"  // usual
            + "X-Custom_Name.v2: b\r\n"  // other, a token
            + "host: c\r\n"  // usual name, other spelling: checked, a token
            + "Bad Name: d\r\n"  // a space
            + "X(y): e\r\n"  // a delimiter
            + "Hôst: f\r\n"  // not ASCII
            + "Host g\r\n"  // no colon
            + ": h\r\n"  // empty name
            + "Content-Length: 0\r\n\r\n"
        let parsed = try #require(HTTPHead.parse(Array(head.utf8), isRequest: true))
        #expect(parsed.fields.map(\.name) == ["Host", "X-Custom_Name.v2", "host", "Content-Length"])
        #expect(parsed.fields.map(\.value) == ["a", "b", "c", "0"])
        #expect(parsed.malformedLines == ["Bad Name: d", "X(y): e", "Hôst: f", "Host g", ": h"])
    }
}
