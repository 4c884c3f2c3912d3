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
