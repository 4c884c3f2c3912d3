import Analysis
import Timeline

/// How HTTP exchanges relate to each other beyond "this SQL belongs to that request": the
/// back-end legs of a request a proxy forwarded, the calls a service made during another request
/// (Glance validating a token at Keystone, glance_store writing to Swift), and exchanges seen
/// only as encrypted records. The sequence view draws them distinctly and the OTLP traces nest
/// them; both read them from here.
/// `init(_ result:)` reads them from the analysis (JSON: `leg_of`, `caused_by`, `inferred`).
package struct RequestRelations: Sendable {
    /// Back-end leg -> the front leg (the request as the client sent it to the proxy).
    package var legOf: [Int: Int] = [:]
    /// A call a service made itself -> the request it made it for.
    package var causedBy: [Int: Int] = [:]
    /// Exchanges known only from encrypted records: method, path and status are guesses.
    package var inferred: Set<Int> = []

    package init(legOf: [Int: Int] = [:], causedBy: [Int: Int] = [:], inferred: Set<Int> = []) {
        self.legOf = legOf
        self.causedBy = causedBy
        self.inferred = inferred
    }

    /// The relations the analysis found: proxy legs (`ProxyLegs`), calls a service made itself
    /// (`CallCausation`) and exchanges inferred from encrypted records.
    package init(_ result: AnalysisResult) {
        var causedBy: [Int: Int] = [:]
        for (call, cause) in result.timeline.causeOfHTTP { if let request = cause.request { causedBy[call] = request } }
        let inferred = Set(result.http.indices.filter { result.http.traits(at: $0).contains(.inferred) })
        self.init(legOf: result.timeline.legs.http.legOf, causedBy: causedBy, inferred: inferred)
    }

    /// A logical request is one a client made: not a proxy's back-end leg of another.
    package func isLogical(_ index: Int) -> Bool { legOf[index] == nil }

    /// The back-end legs of each front leg, in index order.
    package var legs: [Int: [Int]] {
        var out: [Int: [Int]] = [:]
        for (leg, front) in legOf.sorted(by: { $0.key < $1.key }) { out[front, default: []].append(leg) }
        return out
    }
}
