import LegJoining
import Testing

/// Exchanges as facts (times in microseconds), the way the test bed's haproxy and uWSGI legs look.
@Suite struct HTTPLegJoinerTests {
    static func leg(_ start: Int64, _ end: Int64, connection: Int, from client: String, to server: String,
                    tls: Bool = false, _ method: String? = "GET", _ target: String? = "/v2/images", status: Int? = 200,
                    body: Int? = 0, response: Int? = 1000, requestID: String? = nil, xff: String? = nil,
                    proto: String? = nil) -> ExchangeLeg {
        ExchangeLeg(start: start * 1000, end: end * 1000, connection: connection, client: LegAddress(endpoint: client),
                    server: LegAddress(endpoint: server), tls: tls, method: method, target: target, status: status,
                    requestBodyBytes: body, responseBodyBytes: response, requestID: requestID,
                    forwarding: ForwardingHeaders(xForwardedFor: xff.map { [$0] } ?? [], forwarded: [],
                                                  xForwardedProto: proto.map { [$0] } ?? []))
    }

    static let proxy = "10.0.0.10:13292", backend = "10.0.0.20:9292"

    /// Two requests alike from one host (connections 1 and 2, started at 0 and 5 us) and the
    /// proxy's two back legs (connections 3 and 4, started at 50 and 55 us), with no forwarding
    /// headers: only the times, `frontEnds` and `backEnds`, can tell them apart.
    static func twoLookAlikes(frontEnds: (Int64, Int64), backEnds: (Int64, Int64)) -> [ExchangeLeg] {
        [leg(0, frontEnds.0, connection: 1, from: "10.0.0.1:40000", to: proxy),
         leg(5, frontEnds.1, connection: 2, from: "10.0.0.1:40002", to: proxy),
         leg(50, backEnds.0, connection: 3, from: "10.0.0.10:50000", to: backend),
         leg(55, backEnds.1, connection: 4, from: "10.0.0.10:50002", to: backend)]
    }

    @Test func aForwardedRequestJoinsItsFront() {
        let legs = [
            Self.leg(0, 183_500, connection: 1, from: "10.0.0.1:40000", to: Self.proxy, tls: true, "POST", "/v2/images",
                     status: 201, body: 254, requestID: "req-1"),
            Self.leg(100, 183_400, connection: 2, from: "10.0.0.10:50000", to: Self.backend, "POST", "/v2/images",
                     status: 201, body: 254, requestID: "req-1", xff: "10.0.0.1", proto: "https"),
            // Glance validating the token at Keystone meanwhile: nested, but another request.
            Self.leg(200, 5_000, connection: 3, from: "10.0.0.20:60000", to: "10.0.0.20:5000", "GET", "/v3/auth/tokens"),
        ]
        #expect(HTTPLegJoiner.join(legs) == [nil, 0, nil])
    }

    @Test func whatAProxyKeepsMustAgree() {
        let front = Self.leg(0, 1000, connection: 1, from: "10.0.0.1:40000", to: Self.proxy, tls: true, "PUT", "/v2/images/x/file",
                             status: 204, body: 8_388_608, requestID: "req-1")
        let back = Self.leg(10, 990, connection: 2, from: "10.0.0.10:50000", to: Self.backend, "PUT", "/v2/images/x/file",
                            status: 204, body: 8_388_608, requestID: "req-1", xff: "10.0.0.1", proto: "https")
        let joiner = HTTPLegJoiner()
        #expect(joiner.canForward(front, as: back))
        #expect(!joiner.canForward(back, as: front), "a back leg cannot contain its front")
        var other = back
        other.requestID = "req-2"
        #expect(!joiner.canForward(front, as: other), "another request id: another request")
        other = back
        other.requestBodyBytes = 8_388_000
        #expect(!joiner.canForward(front, as: other))
        other = back
        other.target = "/v2/images/y/file"
        #expect(!joiner.canForward(front, as: other))
        other = back
        other.forwarding = ForwardingHeaders(xForwardedFor: ["10.0.0.2"], forwarded: [], xForwardedProto: ["https"])
        #expect(!joiner.canForward(front, as: other), "forwarded for another client")
        other = back
        other.forwarding = ForwardingHeaders(xForwardedFor: ["10.0.0.1"], forwarded: [], xForwardedProto: ["http"])
        #expect(!joiner.canForward(front, as: other), "forwarded from a plain front, but this front is TLS")
        other = back
        other.end = front.end + 1
        #expect(!joiner.canForward(front, as: other), "ends after its front")
        other = back
        other.status = 500
        #expect(!joiner.canForward(front, as: other))
        // haproxy answers 504 itself when the back end does not.
        var timedOut = front
        timedOut.status = 504
        other = back
        other.status = nil
        other.responseBodyBytes = nil
        #expect(joiner.canForward(timedOut, as: other))
    }

    /// Two clients send the same request at the same moment: each back leg carries its own client's
    /// address, so crossing is impossible although time allows it.
    @Test func identicalRequestsFromTwoClientsPairByForwardedFor() {
        let legs = [
            Self.leg(0, 3_000, connection: 1, from: "10.0.0.1:40000", to: Self.proxy, tls: true),
            Self.leg(5, 3_010, connection: 2, from: "10.0.0.2:40000", to: Self.proxy, tls: true),
            Self.leg(50, 2_900, connection: 3, from: "10.0.0.10:50000", to: Self.backend, xff: "10.0.0.2", proto: "https"),
            Self.leg(55, 2_950, connection: 4, from: "10.0.0.10:50002", to: Self.backend, xff: "10.0.0.1", proto: "https"),
        ]
        #expect(HTTPLegJoiner.join(legs) == [nil, nil, 1, 0])
    }

    /// Same host, no forwarding headers: the back legs' answers end at different times, and a
    /// front cannot end before its back leg has.
    @Test func identicalRequestsFromOneHostPairByTiming() {
        let legs = Self.twoLookAlikes(frontEnds: (3_000, 9_000), backEnds: (2_990, 8_990))
        #expect(HTTPLegJoiner.join(legs) == [nil, nil, 0, 1])
        // Ends swapped, starts kept: the pairing follows the ends.
        var swapped = legs
        swapped[2].end = 8_990_000
        swapped[3].end = 2_990_000
        #expect(HTTPLegJoiner.join(swapped) == [nil, nil, 1, 0])
    }

    /// Nothing tells the two apart: both pairings fit every fact, so neither is made.
    @Test func indistinguishableRequestsStayUnjoined() {
        let legs = Self.twoLookAlikes(frontEnds: (3_000, 3_010), backEnds: (2_900, 2_950))
        var joiner = HTTPLegJoiner()
        for leg in legs { joiner.add(leg) }
        let (frontOf, ambiguous) = joiner.finishWithDetails()
        #expect(frontOf == [nil, nil, nil, nil])
        #expect(ambiguous == [2, 3])
    }

    /// The same two clients' next requests on their kept-alive connections are indistinguishable by
    /// themselves; the connections their first requests paired settle them.
    @Test func keptAliveConnectionsPairLaterLookAlikes() {
        let first = Self.twoLookAlikes(frontEnds: (3_000, 9_000), backEnds: (2_990, 8_990))
        let second = [
            Self.leg(10_000, 13_000, connection: 1, from: "10.0.0.1:40000", to: Self.proxy),
            Self.leg(10_005, 13_010, connection: 2, from: "10.0.0.1:40002", to: Self.proxy),
            Self.leg(10_050, 12_900, connection: 4, from: "10.0.0.10:50002", to: Self.backend),
            Self.leg(10_055, 12_950, connection: 3, from: "10.0.0.10:50000", to: Self.backend),
        ]
        #expect(HTTPLegJoiner.join(first + second) == [nil, nil, 0, 1, nil, nil, 5, 4])
    }

    @Test func proxiesInSeriesChain() {
        let legs = [
            Self.leg(0, 1_000, connection: 1, from: "10.0.0.1:40000", to: "10.0.0.10:13292", tls: true),
            Self.leg(10, 990, connection: 2, from: "10.0.0.10:50000", to: "10.0.0.20:9292", xff: "10.0.0.1", proto: "https"),
            Self.leg(20, 980, connection: 3, from: "10.0.0.20:50000", to: "10.0.0.20:9293", xff: "10.0.0.10"),
        ]
        #expect(HTTPLegJoiner.join(legs) == [nil, 0, 1])
    }

    /// A front seen only as encrypted records (issue 21): no method or target, but its sizes.
    @Test func inferredFrontsJoinBySizes() {
        var front = Self.leg(0, 1_000, connection: 1, from: "10.0.0.1:40000", to: Self.proxy, tls: true, nil, nil,
                             status: nil, body: nil, response: nil)
        front.requestBytes = 620
        front.responseBytes = 1_140
        var back = Self.leg(10, 990, connection: 2, from: "10.0.0.10:50000", to: Self.backend, "POST", "/v2/images",
                            status: 201, body: 254, response: 900, xff: "10.0.0.1", proto: "https")
        back.requestBytes = 660
        back.responseBytes = 1_151
        #expect(HTTPLegJoiner.join([front, back]) == [nil, 0])
        back.responseBytes = 11_449
        #expect(HTTPLegJoiner.join([front, back]) == [nil, nil], "a response ten times larger is another request")
        back.responseBytes = nil
        #expect(HTTPLegJoiner.join([front, back]) == [nil, nil], "sizes unknown: no evidence")
    }

    @Test func aRetriedLegJoinsTheSameFront() {
        let legs = [
            Self.leg(0, 5_000, connection: 1, from: "10.0.0.1:40000", to: Self.proxy, status: 200),
            Self.leg(10, 1_000, connection: 2, from: "10.0.0.10:50000", to: Self.backend, status: nil, response: nil),
            Self.leg(1_100, 4_900, connection: 3, from: "10.0.0.10:50002", to: "10.0.0.21:9292", status: 200),
        ]
        #expect(HTTPLegJoiner.join(legs) == [nil, 0, 0])
    }

    @Test func sameStartEitherWay() {
        // Microsecond captures can stamp a front and its leg alike: the longer one is the front.
        let legs = [
            Self.leg(0, 900, connection: 2, from: "10.0.0.10:50000", to: Self.backend),
            Self.leg(0, 1_000, connection: 1, from: "10.0.0.1:40000", to: Self.proxy),
        ]
        #expect(HTTPLegJoiner.join(legs) == [1, nil])
    }
}
