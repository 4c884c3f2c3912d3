import CaptureIO
import Reassembly
import TestSupport
import Testing
@testable import HTTPDecoding

/// Lost bytes, resynchronisation and hostile input: counted and reported, never a trap.
@Suite struct HTTPResilienceTests {
    @Test func gapInsideALengthFramedBodyKeepsFraming() {
        let h = DecoderHarness()
        h.send("PUT /v2/images/1/file HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", .clientToServer)
        h.gap(4, .clientToServer)
        h.send("hijGET /next HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 2)
        let upload = h.exchanges[0]
        #expect(upload.missingBytes == 4)
        #expect(upload.gaps == 1)
        #expect(upload.request?.isComplete == false)
        #expect(upload.request?.body.byteCount == 6)
        #expect(upload.request?.body.missingBytes == 4)
        #expect(upload.uploadMD5 == nil && upload.uploadSHA512 == nil)
        #expect(h.exchanges[1].request?.target == "/next")
        #expect(h.exchanges[1].isComplete)
    }

    @Test func everyGapOfABodyMakesOneAnomalyWithTheTotal() {
        // A lossy capture of a large upload: thousands of gaps in one body must stay one note
        // (memory and the exchange's line stay bounded), still counting every byte.
        let h = DecoderHarness()
        let gaps = 5000
        h.send("PUT /v2/images/1/file HTTP/1.1\r\nContent-Length: \(gaps * 7 + 1)\r\n\r\n", .clientToServer)
        for _ in 0..<gaps {
            h.send("abc", .clientToServer)
            h.gap(4, .clientToServer)
        }
        h.send("z", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123", .serverToClient)
        h.gap(6, .serverToClient)
        h.send("ABCDEFGHIJ", .serverToClient)
        #expect(h.exchanges.count == 1)
        let upload = h.exchanges[0]
        #expect(upload.gaps == gaps + 1)
        #expect(upload.missingBytes == gaps * 4 + 6)
        #expect(upload.request?.body.missingBytes == gaps * 4)
        let bodyGaps = upload.anomalies.filter { $0.kind == .gapInBody }
        #expect(bodyGaps.map(\.message) == ["\(gaps * 4) bytes missing from the request body in \(gaps) gaps",
                                           "6 bytes missing from the response body"])
        #expect(bodyGaps.map(\.direction) == [.clientToServer, .serverToClient])
        #expect(h.decoder.anomalies.isEmpty)
    }

    @Test func endlessInterimResponsesAreCountedNotKept() {
        let h = DecoderHarness()
        h.send("PUT /v2/images/1/file HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", .clientToServer)
        let repeats = 10_000
        h.send(String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: repeats), .serverToClient)
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 1)
        let e = h.exchanges[0]
        #expect(e.status == 204)
        let kept = HTTPDecoderConfiguration().maxInterimResponses
        #expect(e.response?.interim.count == kept)
        #expect(e.anomalies.map(\.kind) == [.tooManyInterimResponses])
        #expect(e.anomalies.first?.message == "\(repeats - kept) more interim (1xx) responses after \(kept), not kept")
    }

    /// A chunked upload of 30 chunks of 1000 random bytes, as bytes on the wire, and where each
    /// chunk's data starts in them.
    static func chunkedUpload(seed: UInt64) -> (wire: [UInt8], dataStarts: [Int], head: Int) {
        var random = SplitMix64(seed: seed)
        var wire = Array("PUT /v2/images/1/file HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        let head = wire.count
        var dataStarts: [Int] = []
        for _ in 0..<30 {
            wire += Array("3e8\r\n".utf8)
            dataStarts.append(wire.count)
            wire += (0..<1000).map { _ in UInt8.random(in: 0...255, using: &random) }
            wire += [0x0d, 0x0a]
        }
        wire += Array("0\r\n\r\nGET /next HTTP/1.1\r\n\r\n".utf8)
        return (wire, dataStarts, head)
    }

    @Test(arguments: [1, 7, 1500, 100_000])
    func chunkFramingIsFoundAgainAfterGapsThatCrossChunkBoundaries(pieceSize: Int) {
        let (wire, starts, _) = HTTPResilienceTests.chunkedUpload(seed: 42)
        // Lost: the end of chunk 3 and the size line of chunk 4; all of chunk 10's size line and
        // part of its data; chunks 20 and 21 whole, from inside chunk 19 to inside chunk 22.
        let gaps = [(starts[3] + 900)..<(starts[4] + 10), (starts[10] - 5)..<(starts[10] + 300),
                    (starts[19] + 500)..<(starts[22] + 1)]
        let dataLost = 100 + 10 + 300 + 500 + 2000 + 1
        let h = DecoderHarness()
        h.send(wire, losing: gaps, .clientToServer) { pieceSize }
        h.send("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 2)
        let upload = h.exchanges[0]
        #expect(upload.missingBytes == gaps.reduce(0) { $0 + $1.count })
        // Every data byte that arrived is counted, none of the framing.
        #expect(upload.request?.body.byteCount == 30 * 1000 - dataLost)
        #expect(upload.request?.isComplete == false)
        #expect(upload.uploadMD5 == nil)
        #expect(upload.anomalies.map(\.kind) == [.chunkFramingLost, .gapInBody])
        #expect(upload.anomalies.first?.message
                == "chunk framing of the request body lost at 3 gaps, found again each time; body bytes without framing counted as received")
        #expect(h.exchanges[1].request?.target == "/next")
        #expect(h.decoder.anomalies.isEmpty)
    }

    @Test(arguments: 1...12)
    func randomGapsInAChunkedBodyCountWhatWasLostWhateverTheSplit(seed: Int) {
        let (wire, starts, head) = HTTPResilienceTests.chunkedUpload(seed: UInt64(seed))
        var random = SplitMix64(seed: UInt64(seed) &* 7919)
        // Up to 6 gaps anywhere between the head and the last chunk's CRLF.
        let bodyEnd = starts[29] + 1000 + 2
        let cuts = (0..<(2 * Int.random(in: 1...6, using: &random))).map { _ in Int.random(in: head..<bodyEnd, using: &random) }.sorted()
        var gaps: [Range<Int>] = []
        for pair in stride(from: 0, to: cuts.count, by: 2) where cuts[pair] < cuts[pair + 1] {
            if let last = gaps.last, last.upperBound >= cuts[pair] { continue }
            gaps.append(cuts[pair]..<cuts[pair + 1])
        }
        let dataLost = gaps.reduce(0) { sum, gap in
            sum + starts.reduce(0) { $0 + max(0, min(gap.upperBound, $1 + 1000) - max(gap.lowerBound, $1)) }
        }
        func decode(pieceSize: (inout SplitMix64) -> Int) -> (Int, Int, [String], [String?]) {
            var pieces = SplitMix64(seed: UInt64(seed))
            let h = DecoderHarness()
            h.send(wire, losing: gaps, .clientToServer) { pieceSize(&pieces) }
            h.send("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
            let upload = h.exchanges.first
            return (upload?.missingBytes ?? -1, upload?.request?.body.byteCount ?? -1,
                    upload?.anomalies.map(\.message) ?? [], h.exchanges.map { $0.request?.target })
        }
        let whole = decode { _ in Int.max / 2 }
        #expect(decode { _ in 1 } == whole)
        #expect(decode { Int.random(in: 1...3000, using: &$0) } == whole)
        let (missing, received, _, targets) = whole
        #expect(targets == ["/v2/images/1/file", "/next"])
        #expect(missing == gaps.reduce(0) { $0 + $1.count })
        // Received data is exact while framing is found again; bytes counted without it may
        // include a few framing bytes (a size line, a CRLF, the last chunk) per gap.
        #expect(abs(received - (30 * 1000 - dataLost)) <= 12 * gaps.count, "gaps \(gaps)")
    }

    @Test func aGapThatTakesTheLastChunkEndsTheBodyAtTheNextRequest() {
        let (wire, starts, _) = HTTPResilienceTests.chunkedUpload(seed: 7)
        let h = DecoderHarness()
        // From inside chunk 29 through its CRLF and the last chunk's "0\r\n": framing never returns.
        let lost = (starts[29] + 600)..<(starts[29] + 1000 + 2 + 3)
        h.send(Array(wire[..<lost.lowerBound]), .clientToServer)
        h.gap(lost.count, .clientToServer)
        h.send(Array(wire[lost.upperBound...]), .clientToServer)
        h.send("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 2)
        #expect(h.exchanges[0].missingBytes == lost.count)
        // The final "\r\n" (empty trailers) arrived after the gap: counted with the body.
        #expect(h.exchanges[0].request?.body.byteCount == 29 * 1000 + 600 + 2)
        #expect(h.exchanges[0].anomalies.first?.message
                == "chunk framing of the request body lost at a gap, not found again; body bytes without framing counted as received")
        #expect(h.exchanges[1].request?.target == "/next")
    }

    @Test func gapInsideAChunkKeepsFraming() {
        let h = DecoderHarness()
        h.send("PUT /v2/images/1/file HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc", .clientToServer)
        h.gap(5, .clientToServer)
        h.send("ij\r\n0\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 1)
        #expect(h.exchanges[0].request?.body.byteCount == 5)
        #expect(h.exchanges[0].missingBytes == 5)
        #expect(h.exchanges[0].response?.isComplete == true)
        #expect(h.decoder.anomalies.isEmpty)
    }

    @Test func gapInAHeadResynchronisesOnTheNextRequestLine() {
        let h = DecoderHarness()
        h.send("GET /first HTTP/1.1\r\nHost: x\r\nX-Auth-To", .clientToServer)
        h.gap(100, .clientToServer)
        h.send("rest of a header\r\nmore\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", .serverToClient)
        #expect(h.exchanges.count == 1)
        #expect(h.exchanges[0].request?.target == "/second")
        #expect(h.decoder.anomalies.map(\.kind) == [.gapInHead, .resynchronized])
    }

    @Test func gapInResponseHeadResynchronisesOnTheNextStatusLine() {
        let h = DecoderHarness()
        h.send("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Le", .serverToClient)
        h.gap(30, .serverToClient)
        h.send("ngth: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        h.close()
        // The first response's head was lost; the 404 pairs with the first unanswered request.
        #expect(h.exchanges.count == 2)
        #expect(h.exchanges[0].status == 404)
        #expect(h.exchanges[1].response == nil)
    }

    @Test func connectionPickedUpMidStreamFindsTheFirstStartLine() {
        let h = DecoderHarness(sawHandshake: false)
        h.send("tail of some body\r\n\u{0}\u{1}binary\n\"}GET /v3 HTTP/1.1\r\n\r\n", .clientToServer)
        // A message following a body does not start at a line start.
        h.send("dy}HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 1)
        #expect(h.exchanges.first?.request?.target == "/v3")
        #expect(h.exchanges.first?.isComplete == true)
    }

    @Test func headerSizeIsCapped() {
        var configuration = HTTPDecoderConfiguration.hashingImageUploads
        configuration.maxHeaderBytes = 1024
        let h = DecoderHarness(configuration: configuration)
        h.send("GET / HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 5000) + "\r\n\r\nGET /ok HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.decoder.anomalies.first?.kind == .headerTooLarge)
        #expect(h.exchanges.first?.request?.target == "/ok")
    }

    @Test func malformedStartLinesAndLengthsAreReported() {
        let h = DecoderHarness()
        h.send("GARBAGE\r\n\r\nPOST /x HTTP/1.1\r\nContent-Length: 12abc\r\n\r\nxx\nGET /y HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        let kinds = h.decoder.anomalies.map(\.kind) + h.exchanges.flatMap { $0.anomalies.map(\.kind) }
        #expect(kinds.contains(.malformedStartLine))
        #expect(kinds.contains(.invalidContentLength))
        #expect(h.exchanges.map { $0.request?.target ?? "" } == ["/x", "/y"])
    }

    @Test func invalidChunkSizeEndsTheMessage() {
        let h = DecoderHarness()
        h.send("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET /y HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 2)
        #expect(h.exchanges[0].request?.isComplete == false)
        #expect(h.exchanges[0].anomalies.contains { $0.kind == .invalidChunk })
        #expect(h.exchanges[1].isComplete)
    }

    /// Random bytes, truncated and mutated real conversations, random gaps: the decoder must not
    /// trap, and what it keeps stays bounded.
    @Test func fuzzedInputNeverTraps() throws {
        var rng = SplitMix64(seed: 0x5EED_F00D)
        let fixture = try HTTPFixture(scenario: "a-seed")
        var samples: [[UInt8]] = []
        for event in fixture.events {
            if case .data(_, _, _, let bytes) = event, bytes.count < 4000 { samples.append(bytes) }
        }
        let alphabet = Array("GET HTTP/1.1 200 \r\n:;0123456789abcdefxX-Content-Length Transfer-Encoding chunked {}\"".utf8)
        var configuration = HTTPDecoderConfiguration.hashingImageUploads
        configuration.maxHeaderBytes = 2048
        configuration.maxKeptBodyBytes = 4096
        for round in 0..<300 {
            let h = DecoderHarness(configuration: configuration, sawHandshake: round % 3 != 0)
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                var bytes: [UInt8]
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes = (0..<Int.random(in: 0...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                case 1: bytes = (0..<Int.random(in: 0...600, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0 }
                default:
                    bytes = samples.randomElement(using: &rng) ?? []
                    for _ in 0..<Int.random(in: 0...8, using: &rng) where !bytes.isEmpty {
                        bytes[Int.random(in: 0..<bytes.count, using: &rng)] = alphabet.randomElement(using: &rng) ?? 0
                    }
                    if !bytes.isEmpty { bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))) }
                }
                let direction: FlowDirection = Bool.random(using: &rng) ? .clientToServer : .serverToClient
                h.send(bytes, direction, pieces: Int.random(in: 1...5, using: &rng))
                if Int.random(in: 0..<5, using: &rng) == 0 { h.gap(Int.random(in: 1...100_000, using: &rng), direction) }
            }
            h.close()
            for exchange in h.exchanges {
                #expect((exchange.request?.body.text?.utf8.count ?? 0) <= 4096 * 2)
                #expect((exchange.response?.body.text?.utf8.count ?? 0) <= 4096 * 2)
            }
            #expect(h.decoder.anomalies.count <= configuration.maxAnomalies)
        }
    }

    @Test func deeplyNestedJSONIsRejectedNotRecursedInto() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONDocument(parsing: deep, maxDepth: 64) }
        let h = DecoderHarness()
        h.send("POST /x HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: \(deep.utf8.count)\r\n\r\n" + deep, .clientToServer)
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        #expect(h.exchanges.first?.request?.body.json == nil)
        #expect(h.exchanges.first?.request?.body.text?.utf8.count == deep.utf8.count)
    }
}

@Suite struct HTTPSniffingTests {
    @Test(arguments: [
        ("GET /v2/images HTTP/1.1\r\n", true, true), ("PATCH /x", true, true), ("OPTIONS * HTTP/1.1", true, true),
        ("HTTP/1.1 200 OK\r\n", false, true), ("\u{16}\u{3}\u{1}\u{2}\u{0}", true, false), ("\u{16}\u{3}\u{3}", false, false),
        ("J\u{0}\u{0}\u{0}\u{a}5.5.5-10", false, false), ("GE", true, false), ("get /x", true, false),
    ] as [(String, Bool, Bool)])
    func firstPayload(text: String, fromClient: Bool, isHTTP: Bool) {
        let bytes = Array(text.utf8)
        let result = bytes.withUnsafeBytes {
            HTTPConnectionDecoder.looksLikeHTTP($0, direction: fromClient ? .clientToServer : .serverToClient)
        }
        #expect(result == isHTTP)
    }
}
