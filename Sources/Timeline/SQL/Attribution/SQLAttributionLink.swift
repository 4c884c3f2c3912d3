/// How sure glancetrace is of the request a SQL statement was issued for (`sql[].attribution`).
public enum SQLAttributionConfidence: String, Sendable, Equatable {
    /// The only request the evidence allows.
    case certain
    /// The best fit by a clear margin, where others were possible (timing of the response).
    case likely
    /// Several requests fit equally: none is named (`http` null, `candidates` lists them).
    case ambiguous
}

/// The request a statement belongs to, and how sure that is.
public struct SQLAttributionLink: Sendable, Equatable {
    /// HTTP fact index; nil when ambiguous.
    public var http: Int?
    /// How sure the link is.
    public var confidence: SQLAttributionConfidence
    /// The requests that fit equally well (ambiguous only), by HTTP fact index.
    public var candidates: [Int]

    /// A link from its parts.
    public init(http: Int?, confidence: SQLAttributionConfidence, candidates: [Int] = []) {
        self.http = http
        self.confidence = confidence
        self.candidates = candidates
    }

    /// The only request the evidence allows.
    public static func certain(_ http: Int) -> SQLAttributionLink { SQLAttributionLink(http: http, confidence: .certain) }
    /// The best fit by a clear margin.
    public static func likely(_ http: Int) -> SQLAttributionLink { SQLAttributionLink(http: http, confidence: .likely) }
    /// No request named; `candidates` (sorted) fit equally.
    public static func ambiguous(_ candidates: [Int]) -> SQLAttributionLink {
        SQLAttributionLink(http: nil, confidence: .ambiguous, candidates: candidates.sorted())
    }
}
