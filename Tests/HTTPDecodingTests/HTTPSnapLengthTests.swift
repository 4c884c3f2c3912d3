import CaptureIO
import Reassembly
import Testing
@testable import HTTPDecoding

extension DecoderHarness {
    /// `count` bytes the snap length cut (the reassembler's `notCaptured`).
    func notCaptured(_ count: Int, _ direction: FlowDirection) {
        time += 1_000_000
        decoder.notCaptured(count, direction: direction, at: Timestamp(nanoseconds: time))
    }
}

/// Bytes cut by a snap length were on the wire: framing goes on over them, nothing is reported
/// lost, and what they hid (hashes, headers) is said to be not captured.
@Suite struct HTTPSnapLengthTests {
    @Test func bodyCutByTheSnapLengthIsNotALoss() {
        let h = DecoderHarness()
        h.send("PUT /v2/images/1/file HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 10\r\n\r\nabc", .clientToServer)
        h.notCaptured(7, .clientToServer)
        h.send("GET /next HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 2)
        let upload = h.exchanges[0]
        #expect(upload.missingBytes == 0 && upload.gaps == 0)
        #expect(upload.bytesNotCaptured == 7)
        #expect(upload.request?.isComplete == true)
        #expect(upload.request?.body.byteCount == 3)
        #expect(upload.request?.body.bytesNotCaptured == 7)
        #expect(upload.uploadMD5 == nil && upload.uploadSHA512 == nil)
        #expect(upload.anomalies.map(\.kind) == [.bodyNotCaptured])
        #expect(upload.anomalies.first?.message == "request body not captured (snap length): 7 bytes; hashes not verifiable")
        // On the wire: the head and all 10 body bytes, cut or not.
        #expect(upload.requestWireBytes == "PUT /v2/images/1/file HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 10\r\n\r\n".utf8.count + 10)
        #expect(h.exchanges[1].request?.target == "/next")
        #expect(h.decoder.anomalies.isEmpty)
    }

    @Test func cutHeadsAreReportedFromWhatWasCaptured() {
        let h = DecoderHarness()
        h.send("GET /v2/images HTTP/1.1\r\nHost: glance\r\nX-Auth-To", .clientToServer)
        h.notCaptured(300, .clientToServer)
        let requestCut = h.time
        h.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Len", .serverToClient)
        h.notCaptured(500, .serverToClient)
        h.send("ra\"}]}", .serverToClient)  // a later segment of the same body, its first bytes captured
        let responseEnd = h.time
        h.send("GET /v3 HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 2)
        let cut = h.exchanges[0]
        #expect(cut.request?.method == "GET" && cut.request?.target == "/v2/images")
        #expect(cut.request?.headers.map(\.name) == ["Host"])
        #expect(cut.status == 200)
        #expect(cut.anomalies.map(\.kind) == [.headNotCaptured, .headNotCaptured])
        #expect(cut.anomalies.map(\.message).allSatisfy { $0.contains("head cut by the snap length after") })
        #expect(cut.missingBytes == 0 && cut.gaps == 0)
        #expect(cut.bytesNotCaptured == 800)
        // Each half ends with its last byte seen, not when the next message starts.
        #expect(cut.timing.requestEnd?.nanoseconds == requestCut)
        #expect(cut.timing.responseEnd?.nanoseconds == responseEnd)
        #expect(h.exchanges[1].request?.target == "/v3" && h.exchanges[1].isComplete)
        // Nothing was lost: no resynchronisation to report.
        #expect(h.decoder.anomalies.isEmpty, "\(h.decoder.anomalies)")
    }

    @Test func aStartLineCutShortIsReportedOnItsOwn() {
        let h = DecoderHarness()
        h.send("GET /v2/ima", .clientToServer)
        h.notCaptured(400, .clientToServer)
        h.send("GET /v3 HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.decoder.anomalies.map(\.kind) == [.headNotCaptured])
        #expect(h.exchanges.last?.request?.target == "/v3")
    }

    @Test func chunkedBodyWhoseFramingWasCutEndsAtItsLastByte() {
        let h = DecoderHarness()
        h.send("PUT /v2/images/1/file HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n10\r\n0123", .clientToServer)
        h.notCaptured(1_000, .clientToServer)  // the rest of that chunk, more chunks, the last chunk
        h.send("xyz", .clientToServer)          // a later segment: captured bytes, no framing
        let last = h.time
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        h.send("GET /next HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        #expect(h.exchanges.count == 2)
        let upload = h.exchanges[0]
        #expect(upload.request?.isComplete == true)
        #expect(upload.missingBytes == 0)
        #expect(upload.request?.body.bytesNotCaptured == 1_000)
        #expect(upload.timing.requestEnd?.nanoseconds == last)
        #expect(upload.uploadMD5 == nil)
        #expect(!upload.anomalies.contains { $0.kind == .gapInBody || $0.kind == .chunkFramingLost })
        #expect(h.decoder.anomalies.isEmpty)
    }

    /// A real loss after a cut still counts as a loss.
    @Test func aGapAfterACutIsStillALoss() {
        let h = DecoderHarness()
        h.send("PUT /v2/images/1/file HTTP/1.1\r\nContent-Length: 30\r\n\r\nabc", .clientToServer)
        h.notCaptured(7, .clientToServer)
        h.gap(10, .clientToServer)
        h.send("0123456789", .clientToServer)
        h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        let upload = h.exchanges[0]
        #expect(upload.missingBytes == 10 && upload.bytesNotCaptured == 7)
        #expect(upload.request?.isComplete == false)
        #expect(upload.anomalies.map(\.kind).sorted { $0.rawValue < $1.rawValue } == [.bodyNotCaptured, .gapInBody])
    }
}
