import TestSupport
import Testing
@testable import HTTPDecoding

/// Any split of the input gives the same exchanges (the reassembler may deliver any chunking).
@Suite struct HTTPSegmentationTests {
    @Test(arguments: HTTPFixture.scenarios)
    func byteByByteEqualsWholeRecords(scenario: String) throws {
        let fixture = try HTTPFixture(scenario: scenario)
        let whole = fixture.decode().exchanges
        let bytewise = fixture.decode(split: { Array(repeating: 1, count: $0) }).exchanges
        #expect(whole.count > 0)
        #expect(whole == bytewise)
    }

    @Test(arguments: [1, 2, 3, 42, 0xC0FFEE])
    func randomResegmentationEqualsWholeRecords(seed: UInt64) throws {
        for scenario in HTTPFixture.scenarios {
            let fixture = try HTTPFixture(scenario: scenario)
            let whole = fixture.decode()
            var rng = SplitMix64(seed: seed)
            let pieces = fixture.decode(split: { count in
                var sizes: [Int] = []
                var left = count
                while left > 0 {
                    let size = min(left, Int.random(in: 1...max(1, min(left, 1500)), using: &rng))
                    sizes.append(size)
                    left -= size
                }
                return sizes
            })
            // Digests compare by value once computed: wait for them explicitly.
            UploadDigests.waitForAll()
            #expect(whole.exchanges == pieces.exchanges)
            #expect(whole.decoders.map(\.anomalies) == pieces.decoders.map(\.anomalies))
        }
    }

    /// Heads are searched a line at a time and copied once: bare LFs, runs of CR, an empty line
    /// of CRs alone, and heads that reach the cap must come out the same however the bytes are
    /// cut (a cut between a CR and its LF, or where the cap falls, included).
    @Test func oddLineEndsAndTheHeadCapGiveTheSameAnySplit() {
        let request = "GET /a HTTP/1.1\nHost: x\r\r\n\r\r\n"
            + "GET /b HTTP/1.1\r\nX: \r\r\ny\r\n\r\n"
            + "GET /big HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 300) + "\r\n\r\n"
            + "GET /ok HTTP/1.1\r\n\n"
            // 256 bytes, the cap: kept; then 257: refused.
            + "GET /edge HTTP/1.1\r\nX-Fill: " + String(repeating: "b", count: 224) + "\r\n\r\n"
            + "GET /over HTTP/1.1\r\nX-Fill: " + String(repeating: "c", count: 225) + "\r\n\r\n"
        let response = "HTTP/1.1 200 OK\nContent-Length: 0\n\r\n"
            + "HTTP/1.1 204 No Content\r\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
        var configuration = HTTPDecoderConfiguration.hashingImageUploads
        configuration.maxHeaderBytes = 256
        func decode(pieces: Int) -> (exchanges: [HTTPExchange], anomalies: [HTTPAnomaly.Kind]) {
            let h = DecoderHarness(configuration: configuration)
            h.send(request, .clientToServer, pieces: pieces)
            h.send(response, .serverToClient, pieces: pieces)
            h.close()
            // Every piece of one send carries that send's time: the exchanges compare whole.
            return (h.exchanges, h.decoder.anomalies.map(\.kind) + h.exchanges.flatMap { $0.anomalies.map(\.kind) })
        }
        let whole = decode(pieces: 1)
        #expect(whole.exchanges.compactMap { $0.request?.target } == ["/a", "/b", "/ok", "/edge"])
        #expect(whole.exchanges.first?.request?.headers.value(for: "Host") == "x")
        #expect(whole.anomalies.filter { $0 == .headerTooLarge }.count == 2)
        #expect(whole.anomalies.contains(.malformedHeader))
        for pieces in [2, 3, 7, 64, request.utf8.count] {
            let split = decode(pieces: pieces)
            #expect(split.exchanges == whole.exchanges, "\(pieces) pieces")
            #expect(split.anomalies == whole.anomalies, "\(pieces) pieces")
        }
    }

    @Test func byteByByteSyntheticConversation() {
        let request = "PUT /v2/images/1/stage HTTP/1.1\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n"
            + "HEAD /v2/images HTTP/1.1\r\n\r\n"
        let response = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
        let a = DecoderHarness()
        a.send(request, .clientToServer)
        a.send(response, .serverToClient)
        let b = DecoderHarness()
        b.time = a.time - 2_000_000
        // Same times: every piece of one send carries that send's time.
        b.send(request, .clientToServer, pieces: request.utf8.count)
        b.send(response, .serverToClient, pieces: response.utf8.count)
        #expect(a.exchanges.count == 2)
        UploadDigests.waitForAll()
        #expect(a.exchanges == b.exchanges)
        #expect(a.exchanges[0].uploadMD5 == "900150983cd24fb0d6963f7d28e17f72")
    }
}
