import CaptureIO
import LegJoining

/// Links between the legs of one request (or statement) that a proxy carried: `legOf[i]` is the
/// index of the leg `i` belongs to, `legs[j]` the legs of `j`, in time order.
package struct LegLinks: Sendable {
    /// For each leg, the element it is a leg of.
    package var legOf: [Int: Int] = [:]
    /// For each element with legs, its legs in time order.
    package var legs: [Int: [Int]] = [:]

    /// The links `legOf` gives, with `legs` built from them.
    package init(legOf: [Int: Int] = [:]) {
        self.legOf = legOf
        for (leg, of) in legOf.sorted(by: { $0.key < $1.key }) { legs[of, default: []].append(leg) }
    }

    /// No element is a leg of another.
    package var isEmpty: Bool { legOf.isEmpty }

    /// True for an element that stands for itself: not a leg of another.
    package func isLogical(_ index: Int) -> Bool { legOf[index] == nil }

    /// The element `index` is a leg of, followed to the end of a chain of proxies.
    package func logical(_ index: Int) -> Int {
        var current = index
        // A chain is as long as the proxies in series; the bound only guards against a cycle.
        for _ in 0..<64 {
            guard let next = legOf[current] else { return current }
            current = next
        }
        return current
    }

    /// `index` and its legs, legs of legs included, nearest first: the hops of one request.
    package func chain(from index: Int) -> [Int] {
        var result = [index]
        var current = index
        while result.count < 64, let next = legs[current]?.last {
            result.append(next)
            current = next
        }
        return result
    }
}

/// The proxy legs of an analysis: HTTP requests a proxy forwarded (haproxy's TLS front end and the
/// plain request it sent on) and MySQL commands a TCP proxy relayed.
///
/// For HTTP the front leg (the client's) is the logical request and its back legs name it in
/// `leg_of`; for SQL the command nearest the server is the one counted, and the client-side twin
/// names it (DESIGN.md §2).
package struct ProxyLegs: Sendable {
    /// Links between HTTP exchanges (indices into `http`).
    package var http = LegLinks()
    /// Links between SQL commands (indices into `sql`).
    package var sql = LegLinks()
    /// HTTP exchanges that could be a proxied leg of more than one request, left unjoined.
    package var ambiguousHTTP: [Int] = []

    /// The legs found.
    package init(http: LegLinks = LegLinks(), sql: LegLinks = LegLinks(), ambiguousHTTP: [Int] = []) {
        self.http = http
        self.sql = sql
        self.ambiguousHTTP = ambiguousHTTP
    }

    /// No proxy legs at all.
    package var isEmpty: Bool { http.isEmpty && sql.isEmpty }

    /// Joins the legs of `http` and `sql` (stores sorted by start, positions are indices).
    package static func find(http: HTTPFactStore, sql: SQLFactStore) -> ProxyLegs {
        var legs = ProxyLegs()
        (legs.http, legs.ambiguousHTTP) = httpLegs(http)
        legs.sql = sqlLegs(sql)
        return legs
    }

    static func httpLegs(_ http: HTTPFactStore) -> (LegLinks, [Int]) {
        let order = nestedPositions(http)
        guard order.count > 1 else { return (LegLinks(), []) }
        var joiner = HTTPLegJoiner()
        for position in order { joiner.add(exchangeLeg(http[position])) }
        let (frontOf, ambiguous) = joiner.finishWithDetails()
        var legOf: [Int: Int] = [:]
        for (n, front) in frontOf.enumerated() { if let front { legOf[order[n]] = order[front] } }
        return (LegLinks(legOf: legOf), ambiguous.map { order[$0] }.sorted())
    }

    /// Positions (in start order) of the exchanges that contain, or lie within, an exchange of
    /// another connection: the only ones that can be legs of one request. Found from the store's
    /// index alone, so a capture of calls one after the other decodes nothing here.
    static func nestedPositions(_ http: HTTPFactStore) -> [Int] {
        let order = http.positionsByStart()
        var involved = [Bool](repeating: false, count: http.count)
        var active: [(position: Int, start: Int64, end: Int64, connection: Int)] = []
        for position in order {
            let start = http.time(at: position).nanoseconds, end = http.end(at: position).nanoseconds
            let connection = http.connection(at: position)
            active.removeAll { $0.end < start }
            for other in active where other.connection != connection {
                if other.end >= end || (other.start == start && end >= other.end) {
                    involved[other.position] = true
                    involved[position] = true
                }
            }
            active.append((position, start, end, connection))
        }
        return order.filter { involved[$0] }
    }

    /// The joiner's view of an exchange.
    static func exchangeLeg(_ fact: HTTPFact) -> ExchangeLeg {
        let evidence = fact.proxyEvidence
        // "-": no request seen; "?": a lost fact; "": an exchange inferred from encrypted records.
        let seen = fact.method != "-" && fact.method != "?" && !fact.method.isEmpty
        return ExchangeLeg(start: fact.time.nanoseconds, end: fact.end.nanoseconds, connection: fact.connection,
                           client: LegAddress(endpoint: fact.client), server: LegAddress(endpoint: fact.server), tls: fact.tls,
                           method: seen ? fact.method : nil, target: seen ? (evidence.target ?? fact.path) : nil,
                           status: fact.status, requestBodyBytes: seen && fact.requestComplete ? fact.requestBytes : nil,
                           responseBodyBytes: evidence.responseBodyBytes, requestBytes: fact.inferred ? fact.requestWireBytes : evidence.requestWireBytes,
                           responseBytes: fact.responseBytes > 0 ? fact.responseBytes : nil, requestID: fact.requestID,
                           host: evidence.host, forwarding: evidence.forwarding)
    }

    static func sqlLegs(_ sql: SQLFactStore) -> LegLinks {
        guard sql.count > 1 else { return LegLinks() }
        // Per connection from the store's index alone; one fact decoded per connection.
        var spans: [Int: (first: Int, start: Int64, end: Int64)] = [:]
        for position in sql.indices {
            let connection = sql.connection(at: position)
            let start = sql.time(at: position).nanoseconds, end = sql.end(at: position).nanoseconds
            if let known = spans[connection] {
                spans[connection] = (known.first, min(known.start, start), max(known.end, end))
            } else {
                spans[connection] = (position, start, end)
            }
        }
        guard spans.count > 1 else { return LegLinks() }
        let connections = spans.sorted { $0.key < $1.key }.map { connection, span in
            let fact = sql[span.first]
            return SQLLegJoiner.Connection(id: connection, client: LegAddress(endpoint: fact.client),
                                           server: LegAddress(endpoint: fact.server), threadID: fact.threadID,
                                           first: span.start, last: span.end)
        }
        let pairs = SQLLegJoiner.candidatePairs(connections)
        guard !pairs.isEmpty else { return LegLinks() }
        let needed = Set(pairs.flatMap { [$0.0, $0.1] })
        var commands: [SQLLegJoiner.Command] = []
        for position in sql.indices where needed.contains(sql.connection(at: position)) {
            let fact = sql[position]
            commands.append(SQLLegJoiner.Command(index: position, connection: fact.connection, start: fact.time.nanoseconds,
                                                 end: fact.end.nanoseconds, key: commandKey(fact),
                                                 serverFirst: fact.command == .connect))
        }
        return LegLinks(legOf: SQLLegJoiner.join(connections: connections, commands: commands))
    }

    /// Equal for the same command and text with the same result: what a relay leaves unchanged.
    static func commandKey(_ fact: SQLFact) -> Int {
        var hasher = Hasher()
        hasher.combine(fact.command)
        hasher.combine(fact.statement)
        switch fact.outcome {
        case .ok(let affected): hasher.combine(0); hasher.combine(affected)
        case .error(let code, let message): hasher.combine(1); hasher.combine(code); hasher.combine(message)
        case .rows(let count): hasher.combine(2); hasher.combine(count)
        case .none: hasher.combine(3)
        }
        hasher.combine(fact.lastInsertID)
        return hasher.finalize()
    }
}
