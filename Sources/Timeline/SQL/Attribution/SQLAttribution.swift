import CaptureIO

/// Attaches each SQL statement to the HTTP request during which the service issued it.
///
/// Statements are grouped into the sessions a pooled connection serves between checkout and return,
/// and sessions, not statements, are given to requests: by time nesting, by the service's identity
/// (login, database, tables), by what the statements name against what the requests carry, and by
/// one request at a time on an exclusive connection (see `SessionAttribution`). Where two requests
/// fit equally the statement is ambiguous and names none.
///
/// Measured against the test bed's server-side tracer by `AttributionAccuracyTests`.
package enum SQLAttribution {
    /// The links of one attribution run.
    package struct Result: Sendable {
        /// SQL fact index -> HTTP fact index, for the statements given to a request (certain or likely).
        package var httpOfSQL: [Int: Int] = [:]
        /// The links that are not certain: likely ones (also in `httpOfSQL`) and ambiguous ones (not).
        package var uncertain: [Int: SQLAttributionLink] = [:]
    }

    /// SQL fact index -> HTTP fact index, for the statements given to a request (certain or likely).
    package static func attribute(sql: SQLFactStore, http: HTTPFactStore) -> [Int: Int] {
        links(sql: sql, http: http).httpOfSQL
    }

    /// The statements' links with how sure each is.
    package static func links(sql: SQLFactStore, http: HTTPFactStore) -> Result {
        guard !http.isEmpty, !sql.isEmpty else { return Result() }
        let input = AttributionInput(sql: sql, http: http)
        var result = Result()
        let links = SessionAttribution.links(input)
        // Sized once: grown by doubling, each step held the old table and the new one together,
        // at the peak of the run's memory (100,000 links on the 400-image capture).
        result.httpOfSQL.reserveCapacity(links.reduce(0) { $0 + ($1?.http == nil ? 0 : 1) })
        for (index, link) in links.enumerated() {
            guard let link else { continue }
            let position = input.statements[index].position
            if let request = link.http { result.httpOfSQL[position] = request }
            if link.confidence != .certain { result.uncertain[position] = link }
        }
        return result
    }
}
