import Timeline

/// How HTTP exchanges relate to each other beyond "this SQL belongs to that request": the
/// back-end legs of a request a proxy forwarded, the calls a service made during another request
/// (Glance validating a token at Keystone, glance_store writing to Swift), and exchanges seen
/// only as encrypted records. The sequence view draws them distinctly and the OTLP traces nest
/// them; both read them from here.
///
/// The analysis does not find any of them yet (proxy legs, `caused_by` and inferred exchanges
/// are separate issues; DESIGN.md names their JSON members `leg_of`, `caused_by`, `inferred`).
/// `init(_ result:)` is the one place that will read them from the model when they land; until
/// then it leaves every map empty, and the reports behave as for a capture without proxies.
public struct RequestRelations: Sendable {
    /// Back-end leg -> the front leg (the request as the client sent it to the proxy).
    public var legOf: [Int: Int] = [:]
    /// A call a service made itself -> the request it made it for.
    public var causedBy: [Int: Int] = [:]
    /// Exchanges known only from encrypted records: method, path and status are guesses.
    public var inferred: Set<Int> = []

    public init(legOf: [Int: Int] = [:], causedBy: [Int: Int] = [:], inferred: Set<Int> = []) {
        self.legOf = legOf
        self.causedBy = causedBy
        self.inferred = inferred
    }

    /// The relations the analysis found (none yet: see the type's documentation).
    public init(_ result: AnalysisResult) {
        // Hook: when HTTPFact gains `legOf`, `causedBy` and `inferred`, fill the maps here, e.g.
        // `for fact in result.http { if let front = fact.legOf { legOf[fact.index] = front } }`.
        self.init()
    }

    /// A logical request is one a client made: not a proxy's back-end leg of another.
    public func isLogical(_ index: Int) -> Bool { legOf[index] == nil }

    /// The back-end legs of each front leg, in index order.
    public var legs: [Int: [Int]] {
        var out: [Int: [Int]] = [:]
        for (leg, front) in legOf.sorted(by: { $0.key < $1.key }) { out[front, default: []].append(leg) }
        return out
    }
}
