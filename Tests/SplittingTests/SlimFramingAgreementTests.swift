import TestSupport
import Testing
@testable import Splitting

/// `--slim` reads HTTP/1 as `HTTPDecoding` does (its head parser and framing rule), where its
/// own framer used to disagree: each case below was read differently before.
@Suite struct SlimFramingAgreementTests {
    /// One request (head and body in two segments) on a fresh connection: the captured
    /// lengths of the head's and the body's packets.
    static func lengths(head: String, body: [UInt8]) throws -> (head: Int, body: Int) {
        var capture = TCPConversationCapture()
        capture.open(client: 40000, server: 9292)
        capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: Array(head.utf8))
        capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: body)
        let lengths = try SlimTests.slimmedLengths(capture)
        return (lengths[3], lengths[4])
    }

    static let body = [UInt8](repeating: 0x5a, count: 5)

    @Test("Content-Length \"+5\" is not a length (RFC 9110 8.6: digits only): the upload is unframeable and kept whole")
    func signedContentLength() throws {
        let plain = try Self.lengths(head: "PUT /v2/images/x/file HTTP/1.1\r\nContent-Length: 5\r\n\r\n", body: Self.body)
        #expect(plain.body == 54)
        let signed = try Self.lengths(head: "PUT /v2/images/x/file HTTP/1.1\r\nContent-Length: +5\r\n\r\n", body: Self.body)
        #expect(signed.body == 54 + 5)
    }

    @Test("Transfer-Encoding is chunked only when chunked is the last coding, over all its lines")
    func lastCodingDecides() throws {
        let chunks = Array("5\r\nZZZZZ\r\n0\r\n\r\n".utf8)
        let last = try Self.lengths(head: "PUT /v2/images/x/file HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", body: chunks)
        #expect(last.body == 54)
        // The old framer took any line ending in "chunked"; the decoder reads "chunked, gzip".
        let notLast = try Self.lengths(head: "PUT /v2/images/x/file HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                                           + "Transfer-Encoding: gzip\r\n\r\n", body: chunks)
        #expect(notLast.body == 54 + chunks.count)
    }

    @Test("A lower-case or extension method is a token like any other (RFC 9110 9.1)",
          arguments: ["upload", "X-BULK-WRITE-OF-DATA"])
    func methodTokens(method: String) throws {
        let head = "\(method) /blob HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n"
        let lengths = try Self.lengths(head: head, body: Self.body)
        #expect(lengths.head == 54 + head.utf8.count)
        #expect(lengths.body == 54)
    }

    @Test("Bare LF line ends frame a head as they do for the decoder (RFC 9112 2.2)")
    func bareLineFeeds() throws {
        let head = "PUT /v2/images/x/file HTTP/1.1\nContent-Length: 5\n\n"
        let lengths = try Self.lengths(head: head, body: Self.body)
        #expect(lengths.head == 54 + head.utf8.count)
        #expect(lengths.body == 54)
    }

    /// Media types are case-insensitive (RFC 9110 8.3.1): only the type decides, parameters aside.
    @Test("Any case of application/octet-stream makes a body bulk; another type does not",
          arguments: [("application/octet-stream", true), ("Application/Octet-Stream; charset=binary", true),
                      ("APPLICATION/OCTET-STREAM", true), ("application/json", false), ("application/octet", false)])
    func octetStreamInAnyCase(contentType: String, bulk: Bool) throws {
        let head = "POST /blob HTTP/1.1\r\nContent-Type: \(contentType)\r\nContent-Length: 5\r\n\r\n"
        let lengths = try Self.lengths(head: head, body: Self.body)
        #expect(lengths.head == 54 + head.utf8.count)
        #expect(lengths.body == 54 + (bulk ? 0 : Self.body.count))
    }

    @Test("Blank lines before the next request's start line (RFC 9112 2.2) do not hide it")
    func blankLinesBeforeAStartLine() throws {
        let head = "POST /blob HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n"
        var capture = TCPConversationCapture()
        capture.open(client: 40000, server: 9292)
        for payload in [Array(head.utf8), Self.body, Array(("\r\n\r\n" + head).utf8), Self.body] {
            capture.segment(client: 40000, server: 9292, toServer: true, flags: 0x18, payload: payload)
        }
        let lengths = try SlimTests.slimmedLengths(capture)
        #expect(Array(lengths[3...6]) == [54 + head.utf8.count, 54, 54 + 4 + head.utf8.count, 54])
    }
}
