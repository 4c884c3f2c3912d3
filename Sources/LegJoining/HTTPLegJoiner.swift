/// Finds the back-end legs of requests a proxy forwarded (haproxy terminating TLS on 13292 and
/// sending the request on to Glance on 9292), so that one request seen twice is reported once.
///
/// A leg B can be the forward of a front F when B is nested in F in time (the proxy sends after it
/// starts receiving and finishes answering after the back end has), travels on another connection
/// to another server, and nothing the proxy keeps differs: method, target, body sizes, status, the
/// server's request id; and when B carries forwarding headers, they name F's client and F's scheme.
/// An inferred front (method and target unknown) needs its sizes to agree instead.
///
/// Candidates are then settled by `ForcedMatching`: only links that every consistent pairing
/// shares are made. Two identical requests at the same moment with nothing to tell them apart stay
/// unjoined. Proxies in series chain (F -> B1 -> B2): each leg names the leg before it.
///
/// Legs are fed in start order (`add`), so memory holds only the exchanges in progress.
package struct HTTPLegJoiner {
    package struct Configuration: Sendable {
        /// How far a back leg's end may pass its front's (clock steps between merged captures).
        package var clockTolerance: Int64 = 0
        /// How much a proxy may change a request's or response's size on the wire (headers it
        /// adds, drops or rewrites), for fronts whose body sizes are unknown.
        package var headerSlack = 512
        package init() {}
    }

    package let configuration: Configuration
    /// Positions (in `add` order) and legs of the exchanges that may still contain a later one.
    private var active: [(position: Int, leg: ExchangeLeg)] = []
    private var candidates: [(front: Int, back: Int)] = []
    /// Start, end and connection of every exchange added, for settling the candidates.
    private var spans: [LegSpan] = []
    private var count = 0

    package init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Adds the next exchange (start order); its position is the number added before it.
    package mutating func add(_ leg: ExchangeLeg) {
        let position = count
        count += 1
        let tolerance = configuration.clockTolerance
        active.removeAll { $0.leg.end &+ tolerance < leg.start }
        for (other, front) in active {
            if canForward(front, as: leg) { candidates.append((other, position)) }
            // Same start (microsecond captures): either may be the front.
            if front.start == leg.start, canForward(leg, as: front) { candidates.append((position, other)) }
        }
        active.append((position, leg))
        spans.append(LegSpan(start: leg.start, end: leg.end, connection: leg.connection, failed: (leg.status ?? 500) >= 500))
    }

    /// The front of each exchange (by position), or nil: a logical request, or a leg nothing
    /// certain joins.
    package func finish() -> [Int?] { finishWithDetails().frontOf }

    /// `frontOf` as `finish` returns it, and the exchanges that could be a leg of some request
    /// but were left unjoined because the evidence allowed more than one pairing.
    package func finishWithDetails() -> (frontOf: [Int?], ambiguous: [Int]) {
        LegLinkSettlement(candidates: candidates, spans: spans).settle(count: count)
    }

    /// Joins `legs`, given in start order.
    package static func join(_ legs: [ExchangeLeg], configuration: Configuration = Configuration()) -> [Int?] {
        var joiner = HTTPLegJoiner(configuration: configuration)
        for leg in legs { joiner.add(leg) }
        return joiner.finish()
    }

    /// True when `back` may be `front` forwarded by a proxy.
    package func canForward(_ front: ExchangeLeg, as back: ExchangeLeg) -> Bool {
        guard front.connection != back.connection, back.start >= front.start,
              back.end <= front.end &+ configuration.clockTolerance,
              !(back.start == front.start && back.end == front.end) else { return false }
        if let a = front.server, let b = back.server, a == b { return false }
        if let a = front.client, let b = back.client, a == b { return false }
        if front.isInferred || back.isInferred {
            // Only sizes tell: both must be known, and agree within what header rewriting explains.
            guard let fq = front.requestBytes, let bq = back.requestBytes, let fr = front.responseBytes,
                  let br = back.responseBytes, abs(fq - bq) <= configuration.headerSlack,
                  abs(fr - br) <= configuration.headerSlack else { return false }
        }
        if let a = front.method, let b = back.method, a != b { return false }
        if let a = front.target, let b = back.target, a != b { return false }
        if let a = front.requestBodyBytes, let b = back.requestBodyBytes, a != b { return false }
        if let a = front.requestID, let b = back.requestID, a != b { return false }
        if let a = front.status, let b = back.status, a != b {
            // A proxy answers for a back end that failed it (timeout, refused, broken response).
            guard [502, 503, 504].contains(a) else { return false }
        }
        if let a = front.responseBodyBytes, let b = back.responseBodyBytes, a != b, front.status == back.status {
            return false
        }
        if let client = front.client, !back.forwarding.allow(client: client) { return false }
        if let proto = back.forwarding.proto, proto == "https" || proto == "http", (proto == "https") != front.tls {
            return false
        }
        return true
    }
}
