import Analysis
import CaptureIO
import Timeline

/// How the reports tell one request that a proxy carried: its hops and the time each added.
enum ProxyHops {
    /// haproxy's front ends: the ones the reports can name.
    static let haproxyPorts = Set(OpenStackPorts.haproxyFronts.map(String.init))

    /// `client -> :13292 (TLS 1.3) 183.543 ms; haproxy -> :9292 183.313 ms; proxy 0.230 ms`, for a
    /// logical request with legs; nil otherwise.
    static func http(_ index: Int, in result: AnalysisResult) -> String? {
        let chain = result.timeline.legs.http.chain(from: index)
        guard chain.count > 1 else { return nil }
        let facts = chain.map { result.http[$0] }
        var parts: [String] = []
        for (n, fact) in facts.enumerated() {
            let who = n == 0 ? "client" : proxyName(before: facts[n - 1].server)
            var hop = "\(who) -> :\(port(fact.server))"
            if fact.tls { hop += " (\(tlsVersion(connection: fact.connection, in: result) ?? "TLS"))" }
            parts.append(hop + " \(AnalysisText.milliseconds(fact.time, fact.end)) ms")
        }
        if let added = addedNanoseconds(front: facts[0], innermost: facts[facts.count - 1]) {
            parts.append("proxy \(AnalysisText.format3(Double(added) / 1e6)) ms")
        }
        return parts.joined(separator: "; ")
    }

    /// The exchange whose request line a report shows for a logical request: the front, unless
    /// its request was not read (an exchange inferred from encrypted records), then the nearest
    /// leg that was.
    static func decoded(_ front: HTTPFact, in result: AnalysisResult) -> HTTPFact {
        func known(_ fact: HTTPFact) -> Bool { fact.method != "-" && fact.method != "?" && !fact.method.isEmpty }
        guard !known(front) else { return front }
        for leg in result.timeline.legs.http.chain(from: front.index).dropFirst() {
            let fact = result.http[leg]
            if known(fact) { return fact }
        }
        return front
    }

    /// What the proxies of a request added: its front's duration less its innermost leg's.
    static func addedNanoseconds(front: HTTPFact, innermost: HTTPFact) -> Int64? {
        addedNanoseconds(outer: (front.time, front.end), inner: (innermost.time, innermost.end))
    }

    static func addedNanoseconds(outer: (Timestamp, Timestamp), inner: (Timestamp, Timestamp)) -> Int64? {
        let outerDuration = outer.1.nanoseconds(since: outer.0), innerDuration = inner.1.nanoseconds(since: inner.0)
        return outerDuration >= innerDuration ? outerDuration - innerDuration : nil
    }

    /// "haproxy" for a front end on one of its TripleO ports, "proxy" otherwise.
    static func proxyName(before server: String) -> String {
        haproxyPorts.contains(port(server)) ? "haproxy" : "proxy"
    }

    static func port(_ endpoint: String) -> String {
        endpoint.split(separator: ":").last.map(String.init) ?? endpoint
    }

    /// "TLS 1.3" from the connection's TLS note.
    static func tlsVersion(connection: Int, in result: AnalysisResult) -> String? {
        guard let note = result.tls.first(where: { $0.connection == connection }) else { return nil }
        return note.summary.split(separator: ",").map { String($0.drop { $0 == " " }) }
            .first { $0.hasPrefix("TLS 1.") || $0.hasPrefix("SSL ") }
    }

    /// `; 33 exchanges on the wire, 15 of them proxy legs (proxies added median 0.2 ms, max 1.1 ms)`
    static func httpSummary(_ result: AnalysisResult) -> String {
        let links = result.timeline.legs.http
        var added: [Int64] = []
        for front in links.legs.keys where links.isLogical(front) {
            let chain = links.chain(from: front)
            if let last = chain.last, let value = addedNanoseconds(front: result.http[front], innermost: result.http[last]) {
                added.append(value)
            }
        }
        var out = "; \(result.http.count) exchanges on the wire, \(links.legOf.count) of them proxy legs"
        if let stats = statistics(added) { out += " (proxies added \(stats))" }
        return out
    }

    /// `; 1726 on the wire, 863 of them a proxy's client-side twins (proxies added median 0.05 ms, max 0.3 ms)`
    static func sqlSummary(_ result: AnalysisResult) -> String {
        let links = result.timeline.legs.sql
        var added: [Int64] = []
        for (leg, logical) in links.legOf {
            let a = result.sql.time(at: leg), b = result.sql.end(at: leg)
            let c = result.sql.time(at: logical), d = result.sql.end(at: logical)
            if let value = addedNanoseconds(outer: (a, b), inner: (c, d)) { added.append(value) }
        }
        var out = "; \(result.sql.count) on the wire, \(links.legOf.count) of them a proxy's client-side twins"
        if let stats = statistics(added) { out += " (proxies added \(stats))" }
        return out
    }

    /// "median 0.200 ms, max 1.100 ms"
    static func statistics(_ values: [Int64]) -> String? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let median = sorted[(sorted.count - 1) / 2]
        return "median \(AnalysisText.format3(Double(median) / 1e6)) ms, max \(AnalysisText.format3(Double(sorted[sorted.count - 1]) / 1e6)) ms"
    }
}
