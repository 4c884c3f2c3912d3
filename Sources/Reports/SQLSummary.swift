import MySQLDecoding
import Timeline

/// `glancetrace sql --summary`: the commands grouped by fingerprint (literals as `?`, the way
/// pt-query-digest groups them), with count and time, the dearest group first.
package struct SQLSummary: Sendable {
    package struct Group: Sendable {
        package var command: String
        /// The statement's fingerprint; for commands without one (Ping, Quit), the command.
        package var fingerprint: String
        package var count = 0
        /// Request start to response end, per command, in nanoseconds (for the percentile).
        package var durations: [Int64] = []
        package var rows = 0
        package var affectedRows: Int64 = 0
        package var errors = 0
        /// The first statement of the group, as sent (JSON keeps its first 4096 characters).
        package var example: String

        package var totalNanoseconds: Int64 { durations.reduce(0, &+) }
        /// Nearest-rank 95th percentile.
        package var p95Nanoseconds: Int64 {
            guard !durations.isEmpty else { return 0 }
            let sorted = durations.sorted()
            let rank = Int((Double(sorted.count) * 0.95).rounded(.up))
            return sorted[max(0, min(sorted.count - 1, rank - 1))]
        }
        package var maxNanoseconds: Int64 { durations.max() ?? 0 }
    }

    /// Groups, most total time first (then most commands, then by fingerprint).
    package private(set) var groups: [Group] = []
    package private(set) var commands = 0
    /// Commands left out as a proxy's client-side twins of counted ones, and what the proxy added to each.
    package private(set) var relayedTwins = 0
    package private(set) var proxyAddedNanoseconds: [Int64] = []

    /// Commands whose statement is worth a fingerprint; the others group by command name.
    static let cacheBytes = 8 << 20
    static let statementCommands: Set<MySQLCommand> = [.query, .stmtPrepare, .stmtExecute, .fieldList, .initDB]

    /// - Parameter legs: the proxy legs (`ImageTimeline.legs.sql`): a client-side twin is counted
    ///   once, as the command nearest the server.
    package init(_ sql: SQLFactStore, legs: LegLinks = LegLinks()) {
        var index: [String: Int] = [:]
        // Pools repeat the same statements: remember fingerprints, up to a few megabytes of text.
        var known: [String: String] = [:]
        var knownBytes = 0
        for position in legs.legOf.keys.sorted() {
            relayedTwins += 1
            let twin = legs.logical(position)
            let outer = sql.end(at: position).nanoseconds(since: sql.time(at: position))
            let inner = sql.end(at: twin).nanoseconds(since: sql.time(at: twin))
            if outer >= inner { proxyAddedNanoseconds.append(outer - inner) }
        }
        for fact in sql where legs.isLogical(fact.index) {
            commands += 1
            let hasStatement = SQLSummary.statementCommands.contains(fact.command) && !fact.statement.isEmpty
            let command = fact.command.name
            var fingerprint = command
            if hasStatement {
                if let cached = known[fact.statement] {
                    fingerprint = cached
                } else {
                    fingerprint = SQLFingerprint.of(fact.statement)
                    if knownBytes < SQLSummary.cacheBytes {
                        known[fact.statement] = fingerprint
                        knownBytes += fact.statement.utf8.count + fingerprint.utf8.count
                    }
                }
            }
            let key = command + "\u{0}" + fingerprint
            let position: Int
            if let known = index[key] {
                position = known
            } else {
                position = groups.count
                index[key] = position
                groups.append(Group(command: command, fingerprint: fingerprint, example: fact.statement))
            }
            groups[position].count += 1
            groups[position].durations.append(max(0, fact.end.nanoseconds(since: fact.time)))
            switch fact.outcome {
            case .rows(let n): groups[position].rows += n
            case .ok(let affected): groups[position].affectedRows &+= affected ?? 0
            case .error: groups[position].errors += 1
            case .none: break
            }
        }
        groups.sort {
            ($1.totalNanoseconds, $1.count, $0.fingerprint, $0.command) < ($0.totalNanoseconds, $0.count, $1.fingerprint, $1.command)
        }
    }

    static func milliseconds(_ nanoseconds: Int64) -> Double { Double(nanoseconds / 1000) / 1000 }

    /// One line per group, after a header with the totals.
    package func text(emit: (String) -> Void) {
        let total = groups.reduce(Int64(0)) { $0 &+ $1.totalNanoseconds }
        emit("# \(commands) commands in \(groups.count) groups, \(AnalysisText.format3(SQLSummary.milliseconds(total))) ms in all"
             + " (each command from its first byte to its response's last)\n")
        if relayedTwins > 0 {
            var line = "# \(relayedTwins) more on a proxy's client side, each counted once as the command nearest the server"
            if let stats = ProxyHops.statistics(proxyAddedNanoseconds) { line += " (proxies added \(stats))" }
            emit(line + "\n")
        }
        var table = [["rank", "count", "total ms", "avg ms", "p95 ms", "max ms", "rows", "affected", "errors", "command", "fingerprint"]]
        for (rank, group) in groups.enumerated() {
            let average = group.count > 0 ? group.totalNanoseconds / Int64(group.count) : 0
            table.append(["\(rank + 1)", "\(group.count)", AnalysisText.format3(SQLSummary.milliseconds(group.totalNanoseconds)),
                           AnalysisText.format3(SQLSummary.milliseconds(average)),
                           AnalysisText.format3(SQLSummary.milliseconds(group.p95Nanoseconds)),
                           AnalysisText.format3(SQLSummary.milliseconds(group.maxNanoseconds)),
                           "\(group.rows)", "\(group.affectedRows)", "\(group.errors)", group.command,
                           AnalysisText.abbreviated(group.fingerprint, 200)])
        }
        // Numbers right-aligned, the command padded, the fingerprint as it comes.
        Self.emitAligned(table, leftAligned: table[0].count - 2, lastSeparator: " ", emit: emit)
    }

    /// Writes `table` (its first row the header, marked `#`) in aligned columns: each column
    /// right-aligned but `leftAligned`, padded on the right; the last column as it comes, after
    /// `lastSeparator`.
    static func emitAligned(_ table: [[String]], leftAligned: Int, lastSeparator: String, emit: (String) -> Void) {
        guard let header = table.first, !header.isEmpty else { return }
        let last = header.count - 1
        let widths = (0..<last).map { column in table.map { $0[column].count }.max() ?? 0 }
        for (row, cells) in table.enumerated() {
            var line = row == 0 ? "#" : " "
            for column in 0..<last {
                let padding = String(repeating: " ", count: widths[column] - cells[column].count)
                line += column == leftAligned ? " " + cells[column] + padding : " " + padding + cells[column]
            }
            emit(line + lastSeparator + cells[last] + "\n")
        }
    }

    /// The groups as a JSON array, in the text's order.
    package var json: JSONValue {
        .array(groups.enumerated().map { rank, group in
            .object([
                ("rank", .int(rank + 1)),
                ("command", .string(group.command)),
                ("fingerprint", .string(group.fingerprint)),
                ("count", .int(group.count)),
                ("total_ms", .double(SQLSummary.milliseconds(group.totalNanoseconds))),
                ("average_ms", .double(SQLSummary.milliseconds(group.count > 0 ? group.totalNanoseconds / Int64(group.count) : 0))),
                ("p95_ms", .double(SQLSummary.milliseconds(group.p95Nanoseconds))),
                ("max_ms", .double(SQLSummary.milliseconds(group.maxNanoseconds))),
                ("rows", .int(group.rows)),
                ("affected_rows", .int(group.affectedRows)),
                ("errors", .int(group.errors)),
                ("example", .string(AnalysisText.abbreviated(group.example, 4096))),
            ])
        })
    }
}
