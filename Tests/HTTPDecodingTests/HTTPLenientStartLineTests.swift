import CaptureIO
@testable import HTTPDecoding
import Reassembly
import Testing

/// Issue 18, item 4: content sniffing on unwatched ports takes any RFC 9110 token method and
/// every request-target form, not only targets starting with `/`, `*` or a lower-case `h`.
struct HTTPWiderSniffingTests {
    @Test(arguments: [
        ("CONNECT glance.example:443 HTTP/1.1\r\nHost: glance.example:443\r\n\r\n", true),
        ("CONNECT [2001:db8::1]:13292 HTTP/1.1\r\n", true),
        ("CONNECT glance.example:443", true),
        ("GET HTTP://glance.example/v2/images HTTP/1.1\r\n", true),
        ("GET Https://glance.example/v2/images", true),
        ("M-SEARCH * HTTP/1.1\r\n", true),
        ("BASELINE-CONTROL /repo HTTP/1.1\r\n", true),
        ("X_CUSTOM /x HTTP/1.1\r\n", true),
        ("get /index.html HTTP/1.1\r\n", true),
        ("QUERY /users HTTP/1.1\r\n", true),
        ("GET /cgi-bin/x\r\n", true),
        ("get /x", false),
        ("HELO mail.example\r\n", false),
        ("EHLO mail.example.com\r\n", false),
        ("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", false),
        ("USER anonymous\r\n", false),
        ("PING\r\n", false),
        ("* OK IMAP4rev1 ready\r\n", false),
    ] as [(String, Bool)])
    func requestLines(text: String, isHTTP: Bool) {
        let result = Array(text.utf8).withUnsafeBytes { HTTPConnectionDecoder.looksLikeHTTP($0, direction: .clientToServer) }
        #expect(result == isHTTP, "\(text)")
    }
}

/// Issue 18, item 7: start lines RFC 9112 does not allow but real servers and clients send keep
/// their exchange, flagged malformed-start-line, instead of dropping it (the request) or losing
/// the response ("no response").
struct HTTPLenientStartLineTests {
    @Test func aTargetWithASpaceKeepsTheRequest() throws {
        let h = DecoderHarness()
        h.send("GET /uri afterspace HTTP/1.1\r\nHost: x\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        let exchange = try #require(h.exchanges.first)
        #expect(h.exchanges.count == 1)
        #expect(exchange.request?.method == "GET" && exchange.request?.target == "/uri afterspace")
        #expect(exchange.request?.version == "HTTP/1.1" && exchange.status == 404)
        #expect(exchange.anomalies.contains { $0.kind == .malformedStartLine && $0.direction == .clientToServer })
    }

    /// Suricata's test of libhtp: `HTTP/1.0 2XX OK` with a Content-Length of 4.
    @Test func anUnreadableStatusCodeKeepsTheResponse() throws {
        let h = DecoderHarness()
        h.send("GET / HTTP/1.0\r\n\r\n", .clientToServer)
        h.send("HTTP/1.0 2XX OK\nServer: POC\nContent-Length:4\n\ntoto", .serverToClient)
        h.send("GET /next HTTP/1.0\r\n\r\n", .clientToServer)
        h.send("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        try #require(h.exchanges.count == 2)
        let odd = h.exchanges[0]
        #expect(odd.response != nil && odd.status == nil, "a response whose code cannot be read")
        #expect(odd.response?.body.text == "toto" && odd.response?.reason == "OK")
        #expect(odd.anomalies.contains { $0.kind == .malformedStartLine && $0.message.contains("2XX") })
        #expect(h.exchanges[1].request?.target == "/next" && h.exchanges[1].status == 200)
    }

    /// Zeek's http-lower-case traces: `http/1.1 200 OK`.
    @Test func aLowerCaseProtocolNameIsRead() throws {
        let h = DecoderHarness()
        h.send("GET / HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("http/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", .serverToClient)
        let exchange = try #require(h.exchanges.first)
        #expect(exchange.status == 200 && exchange.response?.body.text == "ok")
        #expect(exchange.anomalies.contains { $0.kind == .malformedStartLine })
    }

    /// Lenient reading stops where the line is not a start line at all.
    @Test(arguments: ["GET /a b", "GET  HTTP/1.1", "/a b c HTTP/1.1", "GET /a b HTTP/9", "GET /a\u{7f}b c HTTP/1.1"])
    func notARequestLine(line: String) {
        #expect(HTTPHead.parseLenientRequestLine(ArraySlice(Array(line.utf8))) == nil, "\(line)")
    }
}
