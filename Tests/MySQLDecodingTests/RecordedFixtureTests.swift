import Foundation
import Testing
@testable import MySQLDecoding

/// Captures recorded against MariaDB 10.11 (`Fixtures/mysql/record_fixtures.sh`): every command
/// of the server's general log, in order, with the same connection id and text.
struct RecordedFixtureTests {
    /// Commands MariaDB does not write to the general log.
    static let unlogged: Set<String> = ["Ping", "Field List", "Reset connection"]

    /// MariaDB logs neither a Prepare that failed nor the Close stmt of its (unknown) id.
    static func logged(_ records: [MySQLCommandRecord]) -> [MySQLCommandRecord] {
        var preparedIDs = Set<UInt32>()
        return records.filter { record in
            if unlogged.contains(record.commandName) { return false }
            if record.command == .stmtPrepare {
                if let id = record.statementID, record.result.kind == .ok { preparedIDs.insert(id) }
                return record.result.kind != .error
            }
            if record.command == .stmtClose {
                guard let id = record.statementID else { return false }
                return preparedIDs.remove(id) != nil
            }
            return true
        }
    }

    /// The recording whose general log is a fixture's truth (the zstd one is transcoded from it).
    static func truthScenario(_ scenario: String) -> String {
        scenario == "compressed-zstd" ? "compressed" : scenario
    }

    static func compare(_ scenario: String) throws -> [MySQLCommandRecord] {
        let fixture = try StreamFixture(named: "\(scenario).chunks.gz")
        let log = try GeneralLog(named: "\(truthScenario(scenario)).general.log")
        let records = fixture.replay().records
        compare(records, with: log, scenario: scenario)
        return records
    }

    /// Every command of `log`, per connection id and in order, is a record with the same
    /// command name and text (the live-server test checks its recordings the same way).
    static func compare(_ records: [MySQLCommandRecord], with log: GeneralLog, scenario: String) {
        let logged = Self.logged(records)
        #expect(!log.entries.isEmpty)
        for id in Set(log.entries.map(\.connectionID)) {
            let expected = log.entries.filter { $0.connectionID == id }
            let mine = logged.filter { $0.connectionID.map(Int.init) == id }
            #expect(mine.count == expected.count, "\(scenario) connection \(id): \(mine.map(\.commandName)) vs \(expected.map(\.command))")
            for (record, entry) in zip(mine, expected) {
                #expect(record.commandName == entry.command, "\(scenario): \(record.commandName) vs \(entry.command)")
                if entry.isCut {
                    #expect(record.statement.hasPrefix(entry.argument), "\(scenario): \(entry.command)")
                } else {
                    // Compared outside #expect, which would print both operands whole (34 MB for "large").
                    let same = record.statement == entry.argument
                    let note = "\(scenario): \(entry.command) \(record.statement.utf8.count) bytes \(record.statement.prefix(200)) "
                        + "vs \(entry.argument.utf8.count) bytes \(entry.argument.prefix(200))"
                    #expect(same, "\(note)")
                }
            }
        }
    }

    @Test(arguments: ["prepared", "text", "compressed", "compressed-zstd", "deprecate_eof", "cli"])
    func matchesGeneralLog(scenario: String) throws {
        let records = try Self.compare(scenario)
        for record in records where record.command != .quit {
            #expect(record.isComplete, "\(scenario): \(record.commandName) \(record.statement.prefix(60)) \(record.notes)")
            #expect(record.end != nil)
        }
    }
}
