import Analysis
import Foundation
import TestSupport
import Testing
import Timeline

/// MySQL connections that switch to TLS after an SSLRequest, end to end: the recorded PyMySQL
/// sessions of `Fixtures/mysql/tls/` (MariaDB 10.11, TLS 1.3 and TLS 1.2, port 3316) decrypt
/// with their key logs into the commands of MariaDB's general log.
@Suite struct MySQLTLSAnalysisTests {
    static let scenarios = ["tls13", "tls12"]
    static let port: UInt16 = 3316

    static func analyse(_ path: String, keyLogs: [String] = []) throws -> AnalysisResult {
        try TestbedCaptureTests.analyse(path, keyLogs: keyLogs, watching: [port])
    }

    static func capture(_ scenario: String) -> String { ProjectPaths.fixture("mysql/tls/\(scenario).pcap") }
    static func keyLog(_ scenario: String) -> String { ProjectPaths.fixture("mysql/tls/\(scenario).keylog") }

    /// (connection id, command, argument) of each line of a MariaDB general log excerpt.
    static func generalLog(_ scenario: String) throws -> [(id: Int, command: String, argument: String)] {
        let text = try String(contentsOfFile: ProjectPaths.fixture("mysql/tls/\(scenario).general.log"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { raw in
            // "261126  1:24:55\t     4 Connect\tgt@..." or "\t\t     4 Query\tSELECT 1"; "\t\t     4 Quit\t"
            var line = Substring(raw)
            if line.hasPrefix("\t\t") { line = line.dropFirst(2) } else if let tab = line.firstIndex(of: "\t") {
                line = line[line.index(after: tab)...]
            }
            let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            let words = fields[0].split(separator: " ", maxSplits: 1)
            guard fields.count == 2, words.count == 2, let id = Int(words[0]) else { return nil }
            return (id, String(words[1]), String(fields[1]))
        }
    }

    @Test(arguments: scenarios)
    func keyLogDecryptsTheCommands(_ scenario: String) throws {
        let result = try Self.analyse(Self.capture(scenario), keyLogs: [Self.keyLog(scenario)])
        let log = try Self.generalLog(scenario)
        #expect(log.count == 12)
        #expect(result.sql.map(\.command.name) == log.map(\.command))
        #expect(result.sql.map(\.statement) == log.map(\.argument))
        #expect(result.sql.allSatisfy { $0.threadID == log[0].id && $0.tls && $0.user == "gt" })
        #expect(result.sql.first?.database == "gtdb" && result.sql.last?.database == "otherdb")
        #expect(result.sql.dropLast().allSatisfy { $0.complete })
        #expect(result.warnings.isEmpty)

        func fact(_ prefix: String) throws -> SQLFact { try #require(result.sql.first { $0.statement.hasPrefix(prefix) }) }
        #expect(try fact("gt@127.0.0.1").outcome == .ok(affectedRows: 0))
        #expect(try fact("INSERT INTO t_\(scenario) (name, body) VALUES ('alpha'").outcome == .ok(affectedRows: 2))
        #expect(try fact("SELECT id, name").outcome == .rows(3))
        #expect(try fact("SELECT LENGTH(body)").outcome == .rows(1))
        #expect(try fact("SELECT * FROM no_such_table").outcome
                == .error(code: 1146, message: "Table 'gtdb.no_such_table' doesn't exist"))
        #expect(try fact("SELECT * FROM no_such_table").sqlstate == "42S02")
        #expect(try fact("UPDATE").outcome == .ok(affectedRows: 1))

        let note = try #require(result.tls.first)
        #expect(result.tls.count == 1 && note.server.hasSuffix(":\(Self.port)"))
        #expect(note.summary.hasPrefix("MySQL over TLS, TLS 1.\(scenario == "tls13" ? 3 : 2)"))
        #expect(note.summary.contains(", decrypted"))
    }

    @Test(arguments: scenarios)
    func withoutKeysTheNoteSaysNotDecrypted(_ scenario: String) throws {
        let result = try Self.analyse(Self.capture(scenario))
        #expect(result.sql.isEmpty)
        #expect(result.warnings.isEmpty)
        let note = try #require(result.tls.first)
        #expect(result.tls.count == 1)
        #expect(note.summary.hasPrefix("MySQL over TLS"))
        #expect(note.summary.contains("not decrypted: no key for this session"))
    }

    /// Sniffing finds MySQL by its greeting on any port; the default options (3316 not watched) give the same.
    @Test func unwatchedPortIsFoundByContent() throws {
        var options = CaptureAnalysis.Options()
        options.keyLogPaths = [Self.keyLog("tls13")]
        let result = try CaptureAnalysis(options: options).run(paths: [Self.capture("tls13")])
        let watched = try Self.analyse(Self.capture("tls13"), keyLogs: [Self.keyLog("tls13")])
        #expect(result.sql.map(\.statement) == watched.sql.map(\.statement))
        #expect(!result.sql.isEmpty)
    }

    /// tshark, decrypting with the same key log, is the oracle for the statements and the login.
    @Test(arguments: scenarios)
    func tsharkDecodesTheSameQueries(_ scenario: String) throws {
        guard let run = try ExternalTool.runIfInstalled("tshark", [
            "-r", Self.capture(scenario), "-o", "tls.keylog_file:\(Self.keyLog(scenario))",
            "-d", "tcp.port==\(Self.port),mysql", "-Y", "mysql.query || mysql.user",
            "-T", "fields", "-E", "separator=/t", "-e", "mysql.query", "-e", "mysql.user", "-e", "mysql.schema",
        ]) else {
            print("tshark is not installed: oracle not checked")
            return
        }
        #expect(run.status == 0)
        let lines = run.output.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        let queries = lines.compactMap { $0.first.flatMap { $0.isEmpty ? nil : String($0) } }
        let login = try #require(lines.first { $0.count == 3 && !$0[1].isEmpty })
        let result = try Self.analyse(Self.capture(scenario), keyLogs: [Self.keyLog(scenario)])
        #expect(queries.count == 9)
        #expect(result.sql.filter { $0.command == .query }.map(\.statement) == queries)
        #expect(result.sql.first?.user == String(login[1]) && result.sql.first?.database == String(login[2]))
    }

    /// Lost server bytes end decryption of that direction (TLS cannot resynchronise): every
    /// statement is still read from the client side, responses up to the gap are right, later
    /// ones are marked incomplete, and the note says so.
    @Test(arguments: scenarios)
    func serverGapStopsResponsesNotStatements(_ scenario: String) throws {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var capture = try LoopbackPcap(path: Self.capture(scenario))
        // The largest server packet carries the 40 000-byte row.
        let lost = try #require(capture.packets.indices.filter { capture.packets[$0].sourcePort == Self.port }
            .max { capture.packets[$0].payloadCount < capture.packets[$1].payloadCount })
        capture.packets.remove(at: lost)
        let path = directory.appendingPathComponent("gap.pcap").path
        try capture.write(to: path)

        let result = try Self.analyse(path, keyLogs: [Self.keyLog(scenario)])
        let log = try Self.generalLog(scenario)
        #expect(result.sql.map(\.statement) == log.map(\.argument))
        #expect(result.tcp.gaps >= 1)
        let big = try #require(result.sql.firstIndex { $0.statement.hasPrefix("SELECT LENGTH(body)") })
        #expect(result.sql[..<big].allSatisfy { $0.complete })
        // Quit has no response to lose.
        #expect(result.sql[big...].allSatisfy { !$0.complete || $0.command == .quit })
        #expect(result.sql[big...].filter { $0.command != .quit }.allSatisfy { $0.outcome == .none })
        #expect(result.sql[big - 1].outcome == .rows(3))
        let note = try #require(result.tls.first?.summary)
        #expect(note.contains("MySQL over TLS") && note.contains("gap"))
    }

    /// Every TCP payload cut into random pieces (seeded): TLS records and MySQL packets then span
    /// segments everywhere, and the analysis is unchanged.
    @Test(arguments: scenarios, [UInt64(1), 2])
    func randomSegmentationGivesTheSameCommands(_ scenario: String, seed: UInt64) throws {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var capture = try LoopbackPcap(path: Self.capture(scenario))
        var generator = SplitMix64(seed: seed)
        capture.resegment(using: &generator)
        let path = directory.appendingPathComponent("resegmented.pcap").path
        try capture.write(to: path)

        let expected = try Self.analyse(Self.capture(scenario), keyLogs: [Self.keyLog(scenario)])
        let result = try Self.analyse(path, keyLogs: [Self.keyLog(scenario)])
        #expect(capture.packets.count > (try LoopbackPcap(path: Self.capture(scenario))).packets.count + 20)
        #expect(result.sql.count == expected.sql.count)
        #expect(result.sql.map(\.statement) == expected.sql.map(\.statement))
        #expect(result.sql.map(\.outcome) == expected.sql.map(\.outcome))
        #expect(result.sql.allSatisfy { $0.tls })
        #expect(result.tls.first?.summary.contains(", decrypted") == true)
    }
}
