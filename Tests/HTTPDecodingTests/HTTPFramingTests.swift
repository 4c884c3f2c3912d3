import CaptureIO
import Reassembly
import Testing
@testable import HTTPDecoding

/// Message framing (RFC 9112 6) and pairing, on hand-written conversations.
@Suite struct HTTPFramingTests {
    static func hexBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = hex.makeIterator()
        while let a = chars.next(), let b = chars.next() { out.append(UInt8(String([a, b]), radix: 16) ?? 0) }
        return out
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() {
        let h = DecoderHarness()
        h.send("POST /v2/tasks HTTP/1.1\r\nHost: g\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               + "5;name=\"x\"\r\n{\"a\":\r\n3 \r\n 1}\r\n0\r\nX-Checksum: abc\r\nX-Auth-Token: secret-in-trailer\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
               + "2\r\n{}\r\n0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 1)
        let e = h.exchanges[0]
        #expect(e.request?.body.text == "{\"a\": 1}")
        #expect(e.request?.body.byteCount == 8)
        #expect(e.request?.trailers.value(for: "X-Checksum") == "abc")
        #expect(e.request?.trailers.value(for: "X-Auth-Token") == SecretMask.masked("secret-in-trailer"))
        #expect(e.response?.body.json == .object([]))
        #expect(e.isComplete)
        #expect(e.requestWireBytes == 179)  // every byte of the message, framing included
    }

    @Test func pipelinedRequestsPairInOrder() {
        let h = DecoderHarness()
        h.send("GET /a HTTP/1.1\r\n\r\nHEAD /b HTTP/1.1\r\n\r\nDELETE /c HTTP/1.1\r\n\r\nPATCH /d HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]", .clientToServer)
        #expect(h.exchanges.isEmpty)
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
               + "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"  // HEAD: no body despite Content-Length
               + "HTTP/1.1 204 No Content\r\n\r\n"
               + "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", .serverToClient)
        #expect(h.exchanges.map { $0.request?.method ?? "" } == ["GET", "HEAD", "DELETE", "PATCH"])
        #expect(h.exchanges.map { $0.status ?? 0 } == [200, 200, 204, 304])
        #expect(h.exchanges.map(\.sequence) == [0, 1, 2, 3])
        #expect(h.exchanges[0].response?.body.text == "A")
        #expect(h.exchanges[1].response?.body.byteCount == 0)
        #expect(h.exchanges.allSatisfy { $0.isComplete })
        #expect(h.exchanges[3].request?.body.json == .array([]))
    }

    @Test func expectContinueInterimResponseDoesNotEndTheExchange() {
        let h = DecoderHarness()
        h.send("PUT /v2/images/1/file HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 100 Continue\r\n\r\n", .serverToClient)
        let interimTime = h.time
        h.send("abc", .clientToServer)
        #expect(h.exchanges.isEmpty)
        h.send("HTTP/1.1 204 No Content\r\nX-Openstack-Request-Id: req-1\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 1)
        let e = h.exchanges[0]
        #expect(e.status == 204)
        #expect(e.response?.interim.map(\.status) == [100])
        #expect(e.response?.interim.first?.time.nanoseconds == interimTime)
        #expect(e.timing.responseStart?.nanoseconds == h.time)
        #expect(e.uploadMD5 == "900150983cd24fb0d6963f7d28e17f72")
        #expect(e.responseWireBytes == 25 + 58)
    }

    @Test func timingsComeFromTheChunksCarryingTheBytes() {
        let h = DecoderHarness()
        h.send("POST /v3/auth/tokens HTTP/1.1\r\nContent-Length: 4\r\n\r\n", .clientToServer)
        let start = h.time
        h.send("ab", .clientToServer)
        h.send("cd", .clientToServer)
        let requestEnd = h.time
        h.send("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n", .serverToClient)
        let responseStart = h.time
        h.send("{}", .serverToClient)
        let e = h.exchanges[0]
        #expect(e.timing.requestStart?.nanoseconds == start)
        #expect(e.timing.requestEnd?.nanoseconds == requestEnd)
        #expect(e.timing.responseStart?.nanoseconds == responseStart)
        #expect(e.timing.responseEnd?.nanoseconds == h.time)
        #expect(e.timing.durationNanoseconds == h.time - start)
    }

    @Test func bodyDelimitedByClose() {
        let h = DecoderHarness()
        h.send("GET /old HTTP/1.0\r\n\r\n", .clientToServer)
        h.send("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello ", .serverToClient)
        h.send("world", .serverToClient)
        #expect(h.exchanges.isEmpty)
        h.decoder.finished(direction: .serverToClient, at: Timestamp(nanoseconds: h.time + 5))
        #expect(h.exchanges.first?.response?.body.text == "hello world")
        #expect(h.exchanges.first?.isComplete == true)
    }

    @Test(arguments: [
        ("gzip", "1f8b0800000000000203ab56cacc4d4c4f2d56b25288ae56ca4c01d24ae66906c96689e6a9ba0640a06b02222c40840102182ae92828e525e6a682d427671615e5172bd5c602c50a128b8bcbf38bc0e66494e695a4161929d5020067e6f43765000000"),
        ("deflate", "789cab56cacc4d4c4f2d56b25288ae56ca4c01d24ae66906c96689e6a9ba0640a06b02222c40840102182ae92828e525e6a682d427671615e5172bd5c602c50a128b8bcbf38bc0e66494e695a4161929d502004ed41bda"),
        ("deflate", "ab56cacc4d4c4f2d56b25288ae56ca4c01d24ae66906c96689e6a9ba0640a06b02222c40840102182ae92828e525e6a682d427671615e5172bd5c602c50a128b8bcbf38bc0e66494e695a4161929d50200"),
    ])
    func compressedJSONBodyIsDecodedAndMasked(encoding: String, hex: String) {
        let compressed = HTTPFramingTests.hexBytes(hex)  // Python's gzip/zlib of a 101-byte JSON body
        for pieces in [1, 7, compressed.count] {
            let h = DecoderHarness()
            h.send("GET /v2/images HTTP/1.1\r\nAccept-Encoding: gzip, deflate\r\n\r\n", .clientToServer)
            h.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: \(encoding)\r\nContent-Length: \(compressed.count)\r\n\r\n", .serverToClient)
            h.send(compressed, .serverToClient, pieces: pieces)
            let body = h.exchanges.first?.response?.body
            #expect(body?.byteCount == compressed.count)
            #expect(body?.decodedByteCount == 101)
            #expect(body?.json?["images"]?[0]?["name"]?.stringValue == "cirros")
            #expect(body?.json?["password"]?.stringValue == SecretMask.masked("hunter2"))
            #expect(body?.text?.contains("hunter2") == false)
        }
    }

    @Test func decompressionOutputIsBounded() {
        var configuration = HTTPDecoderConfiguration.hashingImageUploads
        configuration.maxKeptBodyBytes = 50
        let compressed = HTTPFramingTests.hexBytes("1f8b0800000000000203ab56cacc4d4c4f2d56b25288ae56ca4c01d24ae66906c96689e6a9ba0640a06b02222c40840102182ae92828e525e6a682d427671615e5172bd5c602c50a128b8bcbf38bc0e66494e695a4161929d5020067e6f43765000000")
        let h = DecoderHarness(configuration: configuration)
        h.send("GET / HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Type: application/json\r\nContent-Length: \(compressed.count)\r\n\r\n", .serverToClient)
        h.send(compressed, .serverToClient)
        let body = h.exchanges.first?.response?.body
        #expect(body?.isTruncated == true)
        #expect(body?.decodedByteCount == 101)
        #expect(body?.json == nil)
        #expect((body?.text?.utf8.count ?? 0) <= 60)
    }

    @Test func binaryAndOversizedBodiesAreCountedNotKept() {
        var configuration = HTTPDecoderConfiguration.hashingImageUploads
        configuration.maxKeptBodyBytes = 10
        let h = DecoderHarness(configuration: configuration)
        h.send("GET /v2/images/x/file HTTP/1.1\r\n\r\nGET /big HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 4\r\n\r\n\u{0}\u{1}\u{2}\u{3}"
               + "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"a\":\"0123456789ab\"}", .serverToClient)
        #expect(h.exchanges.count == 2)
        #expect(h.exchanges[0].response?.body.disposition == .counted)
        #expect(h.exchanges[0].response?.body.byteCount == 4)
        #expect(h.exchanges[1].response?.body.disposition == .counted)
        #expect(h.exchanges[1].response?.body.text == nil)
        #expect(h.exchanges[1].anomalies.contains { $0.kind == .bodyNotKept })
    }

    @Test func unansweredRequestAndOrphanResponseAreEmittedAtClose() {
        let h = DecoderHarness()
        h.send("GET /v2/images HTTP/1.1\r\n\r\n", .clientToServer)
        h.close()
        #expect(h.exchanges.count == 1)
        #expect(h.exchanges[0].response == nil)
        #expect(h.exchanges[0].anomalies.contains { $0.kind == .requestWithoutResponse })

        let h2 = DecoderHarness(sawHandshake: false)
        h2.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", .serverToClient)
        #expect(h2.exchanges.count == 1)
        #expect(h2.exchanges[0].request == nil)
        #expect(h2.exchanges[0].anomalies.contains { $0.kind == .responseWithoutRequest })
    }

    @Test func switchingProtocolsStopsParsing() {
        let h = DecoderHarness()
        h.send("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\u{81}\u{5}hello", .serverToClient)
        h.send("\u{81}\u{85}GET / HTTP/1.1\r\n\r\n", .clientToServer)
        #expect(h.exchanges.count == 1)
        #expect(h.exchanges[0].status == 101)
        #expect(h.decoder.tunnelBytes.serverToClient == 8)  // U+0081 is two UTF-8 bytes
        h.close()
        #expect(h.exchanges.count == 1)
    }

    @Test func headersKeepOrderSpellingAndFoldedValues() {
        let h = DecoderHarness()
        h.send("GET / HTTP/1.1\r\nHost: a\r\nX-Long: one\r\n  two\r\nx-openstack-request-id: req-9\r\nbroken line\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        let request = h.exchanges.first?.request
        #expect(request?.headers.map(\.name) == ["Host", "X-Long", "x-openstack-request-id"])
        #expect(request?.headers.value(for: "X-LONG") == "one two")
        #expect(request?.headers.value(for: "X-OpenStack-Request-ID") == "req-9")
        #expect(h.exchanges.first?.anomalies.contains { $0.kind == .malformedHeader } == true)
    }

    @Test func absoluteTargetAndQuery() {
        let request = HTTPRequest(method: "GET", target: "http://glance:9292/v2/images?limit=20&marker=x", version: "HTTP/1.1", headers: [])
        #expect(request.path == "/v2/images")
        #expect(request.query == "limit=20&marker=x")
        // (target, path, query): origin and absolute forms, fragments, empty parts, non-ASCII.
        let cases: [(String, String, String?)] = [
            ("/v2/images/é?x=1#frag", "/v2/images/é", "x=1"), ("/a#b?c", "/a", nil), ("/a?", "/a", ""),
            ("https://h:1", "/", nil), ("https://h:1?q=1", "/", nil), ("*", "*", nil), ("", "", nil),
            ("/p?q=a:b//c#x", "/p", "q=a:b//c"), ("http://h/x/y?z", "/x/y", "z"),
        ]
        for (target, path, query) in cases {
            let r = HTTPRequest(method: "GET", target: target, version: "HTTP/1.1", headers: [])
            #expect(r.path == path && r.query == query, "\(target)")
        }
    }

    /// RFC 9112 6.3 on one head at a time, each way a length can be given: the one-pass reading
    /// of a sole Content-Length must frame as the general reading does.
    @Test(arguments: [
        ("POST / HTTP/1.1\r\nContent-Length: 12\r\n\r\n", true, HTTPBodyFraming.length(12), 0),
        ("POST / HTTP/1.1\r\ncontent-length:7\r\n\r\n", true, .length(7), 0),
        ("POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n", true, .length(5), 0),
        ("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", true, .length(5), 0),
        ("POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", true, .unframeable, 1),
        ("POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n", true, .unframeable, 1),
        ("HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n", false, .untilClose, 1),
        ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, .length(0), 0),
        ("HTTP/1.1 200 OK\r\n\r\n", false, .untilClose, 0),
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", true, .none, 0),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", true, .chunked, 1),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", true, .unframeable, 1),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, .untilClose, 0),
        ("POST / HTTP/1.1\r\nTransfer-Encoding:\r\nContent-Length: 4\r\n\r\n", true, .length(4), 0),
        ("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\n", false, .none, 0),
        // At most 18 digits are read (no overflow); a sign is not a digit; a folded line's blanks
        // around the digits are not part of the value.
        ("HTTP/1.1 200 OK\r\nContent-Length: 123456789012345678\r\n\r\n", false, .length(123_456_789_012_345_678), 0),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\n", false, .untilClose, 1),
        ("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", false, .untilClose, 1),
        ("HTTP/1.1 200 OK\r\nContent-Length:\r\n 8\r\n\r\n", false, .length(8), 0),
    ])
    func lengthIsReadAsTheGrammarSays(head: String, isRequest: Bool, framing: HTTPBodyFraming, problems: Int) throws {
        let parsed = try #require(HTTPHead.parse(Array(head.utf8), isRequest: isRequest))
        let read = parsed.bodyFraming(bodyless: false)
        #expect(read.framing == framing && read.problems.count == problems, "\(head.debugDescription): \(read)")
    }
}
