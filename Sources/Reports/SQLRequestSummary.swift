import Analysis
import CaptureIO
import Timeline

/// `glancetrace sql --by-request` (a summary): the commands grouped by the HTTP request that issued
/// them, with count, time and how many links are only likely, the dearest request first; then the
/// ambiguous commands (several requests fit equally) and those outside any request.
package struct SQLRequestSummary: Sendable {
    package struct Group: Sendable {
        /// HTTP fact index; nil for the ambiguous and the unattributed groups.
        package var http: Int?
        package var label: String
        package var start: Timestamp?
        package var count = 0
        package var likely = 0
        package var totalNanoseconds: Int64 = 0
        package var errors = 0
        /// SQL fact indices, in time order.
        package var statements: [Int] = []
    }

    package private(set) var groups: [Group] = []
    package private(set) var commands = 0

    package init(_ result: AnalysisResult) {
        let timeline = result.timeline
        var byRequest: [Int: Int] = [:]
        var ambiguous = Group(http: nil, label: "(ambiguous: several requests fit equally)")
        var outside = Group(http: nil, label: "(outside any request)")
        for fact in result.sql {
            commands += 1
            let duration = max(0, fact.end.nanoseconds(since: fact.time))
            let isError: Bool
            if case .error = fact.outcome { isError = true } else { isError = false }
            func add(_ group: inout Group) {
                group.count += 1
                group.totalNanoseconds &+= duration
                if isError { group.errors += 1 }
                group.statements.append(fact.index)
            }
            if let request = timeline.httpOfSQL[fact.index], result.http.indices.contains(request) {
                if byRequest[request] == nil {
                    let http = result.http[request]
                    byRequest[request] = groups.count
                    groups.append(Group(http: request, label: "\(http.method) \(http.path) -> \(http.status.map(String.init) ?? "no response")"
                                        + "  \(http.service) \(http.operation)", start: http.time))
                }
                let position = byRequest[request] ?? 0
                add(&groups[position])
                if timeline.uncertainSQL[fact.index]?.confidence == .likely { groups[position].likely += 1 }
            } else if timeline.uncertainSQL[fact.index]?.confidence == .ambiguous {
                add(&ambiguous)
            } else {
                add(&outside)
            }
        }
        groups.sort { ($1.totalNanoseconds, $0.start ?? .zero, $0.http ?? 0) < ($0.totalNanoseconds, $1.start ?? .zero, $1.http ?? 0) }
        for group in [ambiguous, outside] where group.count > 0 { groups.append(group) }
    }

    /// One line per request, after a header with the totals.
    package func text(precision: TimestampPrecision = .microseconds, emit: (String) -> Void) {
        let requests = groups.filter { $0.http != nil }
        let attributed = requests.reduce(0) { $0 + $1.count }
        let likely = requests.reduce(0) { $0 + $1.likely }
        emit("# \(commands) commands: \(attributed) in \(requests.count) requests (\(likely) of them likely), "
             + "\(commands - attributed) not tied to one request\n")
        var table = [["start", "count", "total ms", "likely", "errors", "request"]]
        for group in groups {
            table.append([group.start.map { $0.rfc3339(precision: precision) } ?? "-", "\(group.count)",
                          AnalysisText.format3(Double(group.totalNanoseconds / 1000) / 1000),
                          group.http == nil ? "-" : "\(group.likely)", "\(group.errors)", group.label])
        }
        SQLSummary.emitAligned(table, leftAligned: 0, lastSeparator: "  ", emit: emit)
    }

    /// The groups as a JSON array, in the text's order.
    package func json(precision: TimestampPrecision = .microseconds) -> JSONValue {
        .array(groups.map { group in
            .object([
                ("http", .optional(group.http)),
                ("request", .string(group.label)),
                ("start", group.start.map { .string($0.rfc3339(precision: precision)) } ?? .null),
                ("count", .int(group.count)),
                ("likely", .int(group.likely)),
                ("total_ms", .double(Double(group.totalNanoseconds / 1000) / 1000)),
                ("errors", .int(group.errors)),
                ("sql", .array(group.statements.map { .int($0) })),
            ])
        })
    }
}
