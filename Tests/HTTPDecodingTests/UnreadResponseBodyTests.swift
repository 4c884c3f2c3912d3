import CaptureIO
import Reassembly
import Testing
@testable import HTTPDecoding

/// A response body nothing reads (`HTTPDecoderConfiguration.readsResponseBody`) is not kept
/// (issue 25), but its exchange must be the one a kept body gives, text aside: the same size,
/// truncation and notes (the cap, a gap, the snap length, text that is not UTF-8), however the
/// bytes arrive.
@Suite struct UnreadResponseBodyTests {
    /// One exchange whose response carries `body` (sent in `pieces`), then `after` (a gap, a cut).
    private func exchange(body: [UInt8], chunked: Bool = false, pieces: Int, reads: Bool, keepLimit: Int = 100,
                          after: ((DecoderHarness) -> Void)? = nil) -> HTTPExchange? {
        var configuration = HTTPDecoderConfiguration()
        configuration.maxKeptBodyBytes = keepLimit
        configuration.readsResponseBody = { method, path in reads || method != "GET" || path != "/v2/images" }
        let h = DecoderHarness(configuration: configuration)
        h.send("GET /v2/images?limit=5 HTTP/1.1\r\nHost: g\r\n\r\n", .clientToServer)
        var framed = body
        if chunked { framed = Array(String(body.count, radix: 16).utf8) + [13, 10] + body + Array("\r\n0\r\n\r\n".utf8) }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: \(body.count + (after == nil ? 0 : 40))\r\n") + "\r\n"
        h.send(Array(head.utf8), .serverToClient)
        h.send(framed, .serverToClient, pieces: pieces)
        after?(h)
        h.close()
        #expect(h.exchanges.count == 1)
        return h.exchanges.first
    }

    /// The kept exchange with its text dropped, as an unread body ends.
    private func dropped(_ exchange: HTTPExchange?) -> HTTPExchange? {
        var exchange = exchange
        exchange?.response?.body.dropKeptText()
        return exchange
    }

    static let ascii = Array(#"{"images": [{"id": "00000000-0000-0000-0000-000000000000", "status": "active"}]}"#.utf8)

    @Test(arguments: [
        ("ASCII under the cap", ascii, false),
        ("ASCII over the cap", ascii + ascii, false),
        ("chunked ASCII", ascii, true),
        ("UTF-8 after ASCII", Array("{\"name\": \"caf\u{E9} \u{1F600}\"}".utf8), false),
        ("not UTF-8 after ASCII", Array("{\"name\": \"".utf8) + [0xC3, 0x28, 0xFF] + Array("\"}".utf8), false),
        ("not UTF-8 first", [0x80] + Array("abc".utf8), false),
        ("not UTF-8 past the cap", ascii + [0xFF], false),
        ("UTF-8 at the cap's edge", Array(repeating: UInt8(ascii: "a"), count: 99) + Array("\u{E9}\u{E9}".utf8), false),
    ])
    func anUnreadBodyEndsAsAKeptOneWithoutItsText(_ name: String, body: [UInt8], chunked: Bool) {
        for pieces in [1, 2, 7, body.count] {
            let kept = exchange(body: body, chunked: chunked, pieces: pieces, reads: true)
            let unread = exchange(body: body, chunked: chunked, pieces: pieces, reads: false)
            #expect(unread == dropped(kept), "\(name), \(pieces) pieces")
            #expect(unread?.response?.body.text == nil, "\(name)")
            #expect(kept?.response?.body.disposition != .kept || kept?.response?.body.text != nil, "\(name)")
        }
    }

    @Test func lossesAndCutsAreNotedAlike() {
        let cases: [(String, (DecoderHarness) -> Void)] = [
            ("a gap", { h in
                h.gap(20, .serverToClient)
                h.send(Array(repeating: UInt8(ascii: "x"), count: 20), .serverToClient)
            }),
            ("a snap length cut", { h in
                h.notCaptured(30, .serverToClient)
                h.send(Array(repeating: UInt8(ascii: "y"), count: 10), .serverToClient)
            }),
        ]
        for (name, after) in cases {
            let kept = exchange(body: Self.ascii, pieces: 3, reads: true, keepLimit: 1 << 20, after: after)
            let unread = exchange(body: Self.ascii, pieces: 3, reads: false, keepLimit: 1 << 20, after: after)
            #expect(kept?.response?.body.isTruncated == true, "\(name)")
            #expect(unread == dropped(kept), "\(name)")
        }
    }

    /// Only the response's body is affected, and only for the requests named.
    @Test func otherBodiesAreKept() {
        var configuration = HTTPDecoderConfiguration()
        configuration.readsResponseBody = { _, path in path != "/v2/images" }
        let h = DecoderHarness(configuration: configuration)
        h.send("POST /v2/images HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", .clientToServer)
        h.send("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", .serverToClient)
        h.send("GET /v2/images/1 HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]", .serverToClient)
        h.close()
        #expect(h.exchanges.map { $0.request?.body.text } == ["{}", nil])
        #expect(h.exchanges.map { $0.response?.body.text } == [nil, "[]"])
        #expect(h.exchanges.map { $0.response?.body.disposition } == [.counted, .kept])
    }
}
