import CaptureIO
@testable import HTTPDecoding
import Reassembly
import Testing

/// Pairing responses with requests by TCP evidence (issue 18, item 3): a lost response or request
/// leaves one exchange without its other half and never shifts the pairs after it.
struct HTTPPairingTests {
    /// Both directions of one connection as TCP carries them: every message is one segment whose
    /// acknowledgement is everything the sender has received of the other direction, lost from
    /// the capture or not (the endpoint got it; only the capture missed it).
    final class Conversation {
        let harness = DecoderHarness()
        private var sent = [0, 0]
        private var received = [0, 0]

        /// Sends `text` from `direction` acknowledging what the sender has received so far (see
        /// `deliverAll`); `captured` false makes it a gap in the capture.
        func send(_ text: String, _ direction: FlowDirection, captured: Bool = true) {
            let bytes = Array(text.utf8)
            let side = direction.rawValue
            let position = StreamPosition(offset: sent[side], peerAcknowledged: received[side])
            harness.time += 1_000_000
            let time = Timestamp(nanoseconds: harness.time)
            if captured {
                bytes.withUnsafeBytes { harness.decoder.receive($0, direction: direction, at: time, position: position) }
            } else {
                harness.decoder.gap(bytes.count, direction: direction, at: time)
            }
            sent[side] += bytes.count
        }

        /// The other side has now received everything sent to it so far.
        func deliverAll(to direction: FlowDirection) {
            received[direction.rawValue] = sent[direction.reversed.rawValue]
        }

        func request(_ path: String, captured: Bool = true) {
            deliverAll(to: .clientToServer)
            send("GET \(path) HTTP/1.1\r\nHost: h\r\n\r\n", .clientToServer, captured: captured)
        }

        /// A response; by default the server has read every request sent before it.
        func response(_ status: Int, captured: Bool = true, serverReadAll: Bool = true) {
            if serverReadAll { deliverAll(to: .serverToClient) }
            send("HTTP/1.1 \(status) X\r\nContent-Length: 2\r\n\r\nok", .serverToClient, captured: captured)
        }

        func close() -> [HTTPExchange] {
            harness.decoder.close(reason: .fin, statistics: ConnectionStatistics(), at: Timestamp(nanoseconds: harness.time + 1))
            return harness.exchanges
        }
    }

    static func pairs(_ exchanges: [HTTPExchange]) -> [String] {
        exchanges.sorted { ($0.timing.start ?? .zero) < ($1.timing.start ?? .zero) }
            .map { "\($0.request?.target ?? "-") \($0.response.map { String($0.status) } ?? "none")" }
    }

    /// Zeek's 1000-requests-one-dropped-response in small: the first response is lost, so the
    /// second request was sent after the client had received bytes no response seen explains.
    @Test func aLostResponseLeavesItsRequestAloneAndShiftsNothing() {
        let c = Conversation()
        c.request("/1"); c.response(201, captured: false)
        c.request("/2"); c.response(202)
        c.request("/3"); c.response(203)
        let exchanges = c.close()
        #expect(Self.pairs(exchanges) == ["/1 none", "/2 202", "/3 203"])
        #expect(exchanges.first { $0.request?.target == "/1" }?.anomalies.contains { $0.kind == .requestWithoutResponse } == true)
    }

    /// Only the status line and headers are lost; the body arrives and is skipped while the
    /// parser resynchronises.
    @Test func aResponseWhoseHeadIsLostButBodyArrivesPairsTheSameWay() {
        let c = Conversation()
        c.request("/1")
        c.deliverAll(to: .serverToClient)
        c.send("HTTP/1.1 201 X\r\nContent-Length: 40\r\n\r\n", .serverToClient, captured: false)
        c.send(String(repeating: "b", count: 40), .serverToClient)
        c.request("/2"); c.response(202)
        #expect(Self.pairs(c.close()) == ["/1 none", "/2 202"])
    }

    /// The request is lost: its response acknowledges request bytes that end before the next
    /// request seen, so it answers a request the capture lacks.
    @Test func aLostRequestLeavesItsResponseAlone() {
        let c = Conversation()
        c.request("/1", captured: false); c.response(201)
        c.request("/2"); c.response(202)
        let exchanges = c.close()
        #expect(Self.pairs(exchanges) == ["- 201", "/2 202"])
        #expect(exchanges.first { $0.request == nil }?.anomalies.contains { $0.kind == .responseWithoutRequest } == true)
    }

    /// Zeek's zero-length-bodies-with-drops: a request and its response both lost between pairs.
    @Test func aLostExchangeLeavesNoTrace() {
        let c = Conversation()
        c.request("/1"); c.response(201)
        c.request("/2", captured: false); c.response(202, captured: false)
        c.request("/3"); c.response(203)
        #expect(Self.pairs(c.close()) == ["/1 201", "/3 203"])
    }

    /// A capture that begins after the first request: its response acknowledges only bytes from
    /// before the capture.
    @Test func aResponseToARequestBeforeTheCaptureStandsAlone() {
        let c = Conversation()
        c.send("GET /0 HTTP/1.1\r\n\r\n", .clientToServer, captured: false)
        c.response(200)
        c.request("/1"); c.response(201)
        #expect(Self.pairs(c.close()) == ["- 200", "/1 201"])
    }

    /// Pipelining: three requests sent before any response; the acknowledgements say nothing
    /// was lost, and pairing is by order.
    @Test func pipelinedRequestsPairInOrder() {
        let c = Conversation()
        for path in ["/1", "/2", "/3"] { c.send("GET \(path) HTTP/1.1\r\n\r\n", .clientToServer) }
        c.response(201); c.response(202); c.response(203)
        #expect(Self.pairs(c.close()) == ["/1 201", "/2 202", "/3 203"])
    }

    /// Requests sent while a long response is still arriving: the client had received server
    /// bytes, but they are the response being paired, so nothing is declared lost.
    @Test func requestsSentDuringAResponseAreNotMistakenForALoss() {
        let c = Conversation()
        c.request("/1")
        c.deliverAll(to: .serverToClient)
        c.send("HTTP/1.1 201 X\r\nContent-Length: 30\r\n\r\n", .serverToClient)
        c.send(String(repeating: "a", count: 10), .serverToClient)
        c.request("/2")                                       // acknowledges part of the first response
        c.send(String(repeating: "a", count: 10), .serverToClient)
        c.request("/3")
        c.send(String(repeating: "a", count: 10), .serverToClient)
        c.response(202); c.response(203)
        #expect(Self.pairs(c.close()) == ["/1 201", "/2 202", "/3 203"])
    }

    /// Pipelined requests and a lost response: nothing tells which one was lost (the client
    /// received nothing between sending them), so pairing stays by order, as tshark's does.
    @Test func aLossAmongPipelinedRequestsFallsBackToOrder() {
        let c = Conversation()
        c.send("GET /1 HTTP/1.1\r\n\r\n", .clientToServer)
        c.send("GET /2 HTTP/1.1\r\n\r\n", .clientToServer)
        c.response(201, captured: false); c.response(202)
        #expect(Self.pairs(c.close()) == ["/1 202", "/2 none"])
    }

    /// Without positions (bytes fed directly, decrypted TLS) pairing is by order, as before.
    @Test func withoutPositionsPairingIsByOrder() {
        let h = DecoderHarness()
        h.send("GET /1 HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("GET /2 HTTP/1.1\r\n\r\n", .clientToServer)
        h.send("HTTP/1.1 202 X\r\nContent-Length: 0\r\n\r\n", .serverToClient)
        h.decoder.close(reason: .fin, statistics: ConnectionStatistics(), at: Timestamp(nanoseconds: h.time + 1))
        #expect(Self.pairs(h.exchanges) == ["/1 202", "/2 none"])
    }
}
