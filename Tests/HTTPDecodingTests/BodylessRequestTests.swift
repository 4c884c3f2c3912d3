import CaptureIO
import Testing
@testable import HTTPDecoding

/// A request head with neither `Content-Length` nor `Transfer-Encoding` has no body (RFC 9112
/// 6.3). Without `Content-Type` or `Content-Encoding` either, no body collector is made for it
/// (issue 25): its request must come out exactly as one whose collector saw no byte.
@Suite struct BodylessRequestTests {
    /// Each request on one connection, answered in turn.
    private func exchanges(_ requests: [String]) -> [HTTPExchange] {
        let h = DecoderHarness()
        for request in requests {
            h.send(request, .clientToServer)
            h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
        }
        h.close()
        return h.exchanges
    }

    @Test func aRequestWithoutBodyFieldsHasTheEmptyBody() {
        let all = exchanges([
            "GET /a HTTP/1.1\r\nHost: x\r\nX-Auth-Token: secret\r\n\r\n",
            "DELETE /b HTTP/1.1\r\n\r\n",
        ])
        #expect(all.count == 2)
        for exchange in all {
            #expect(exchange.request?.body == HTTPBody())
            #expect(exchange.request?.isComplete == true)
            #expect(exchange.anomalies.isEmpty)
        }
        // The token is masked as on every other request.
        #expect(all[0].request?.headers.fingerprint(for: "X-Auth-Token") != nil)
    }

    /// A type or an encoding without a body still goes through a collector: the body names them,
    /// and an encoding the decoder cannot undo is noted, as on a request with a body.
    @Test func typeOrEncodingWithoutABodyIsStillRead() {
        let all = exchanges([
            "GET /c HTTP/1.1\r\nContent-Type: application/json\r\n\r\n",
            "GET /d HTTP/1.1\r\ncontent-encoding: br\r\n\r\n",
            "POST /e HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
            "GET /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        ])
        #expect(all.count == 4)
        #expect(all[0].request?.body.contentType == "application/json")
        #expect(all[0].request?.body.disposition == HTTPBody.Disposition.none)
        #expect(all[0].anomalies.isEmpty)
        #expect(all[1].request?.body.contentEncoding == "br")
        #expect(all[1].anomalies.map(\.message) == ["Content-Encoding br not decoded; counted only"])
        #expect(all[2].request?.body.disposition == .kept && all[2].request?.body.byteCount == 2)
        #expect(all[3].request?.body.disposition == HTTPBody.Disposition.none && all[3].request?.isComplete == true)
        #expect(all.allSatisfy { $0.request?.isComplete == true })
    }

    /// A bodyless request head cut by the snap length ends the same with or without a collector.
    @Test func aCutHeadEndsTheSameWithOrWithoutACollector() {
        func request(_ fields: String) -> HTTPExchange? {
            let h = DecoderHarness()
            h.send("GET /g HTTP/1.1\r\n" + fields, .clientToServer)
            h.notCaptured(40, .clientToServer)
            h.send("HTTP/1.1 204 No Content\r\n\r\n", .serverToClient)
            h.close()
            #expect(h.exchanges.count == 1, "\(fields)")
            return h.exchanges.first
        }
        let without = request("X-Other-Name: text/plain\r\n"), with = request("Content-Type: text/plain\r\n")
        #expect(without?.anomalies.map(\.kind) == [.headNotCaptured])
        #expect(without?.anomalies.map(\.message) == with?.anomalies.map(\.message))
        #expect(without?.request?.isComplete == with?.request?.isComplete)
        #expect(without?.bytesNotCaptured == 40 && with?.bytesNotCaptured == 40)
        var typed = with?.request?.body
        typed?.contentType = nil
        #expect(without?.request?.body == typed)
    }
}
