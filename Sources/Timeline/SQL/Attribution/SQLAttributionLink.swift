/// How sure glancetrace is of the request a SQL statement was issued for (`sql[].attribution`).
package enum SQLAttributionConfidence: String, Sendable, Equatable {
    /// The only request the evidence allows.
    case certain
    /// The best fit by a clear margin, where others were possible (timing of the response).
    case likely
    /// Several requests fit equally: none is named (`http` null, `candidates` lists them).
    case ambiguous
}

/// The request a statement belongs to, and how sure that is.
package struct SQLAttributionLink: Sendable, Equatable {
    /// HTTP fact index; nil when ambiguous.
    package var http: Int?
    /// How sure the link is.
    package var confidence: SQLAttributionConfidence
    /// The requests that fit equally well (ambiguous only), by HTTP fact index.
    package var candidates: [Int]

    /// A link from its parts.
    package init(http: Int?, confidence: SQLAttributionConfidence, candidates: [Int] = []) {
        self.http = http
        self.confidence = confidence
        self.candidates = candidates
    }

    /// The only request the evidence allows.
    package static func certain(_ http: Int) -> SQLAttributionLink { SQLAttributionLink(http: http, confidence: .certain) }
    /// The best fit by a clear margin.
    package static func likely(_ http: Int) -> SQLAttributionLink { SQLAttributionLink(http: http, confidence: .likely) }
    /// No request named; `candidates` (sorted) fit equally.
    package static func ambiguous(_ candidates: [Int]) -> SQLAttributionLink {
        SQLAttributionLink(http: nil, confidence: .ambiguous, candidates: candidates.sorted())
    }
}
