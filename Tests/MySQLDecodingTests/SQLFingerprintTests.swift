import Foundation
import TestSupport
import Testing
@testable import MySQLDecoding

/// Fingerprints must name the same groups as pt-query-digest: checked against `pt-fingerprint`
/// (percona-toolkit) on every statement MariaDB logged in the recorded captures, and against its
/// recorded answers for crafted statements where it is not installed.
struct SQLFingerprintTests {
    /// Statement -> pt-fingerprint 3.2.1's answer, recorded.
    static let recorded: [(String, String)] = [
        ("SELECT * FROM images WHERE id = 'a52addd3-f2a8-471b-9d6a-193a511bbf41' AND size > 10",
         "select * from images where id = ? and size > ?"),
        ("INSERT INTO image_properties (image_id, name, value) VALUES ('x', 'hw_architecture', 'x86_64'), ('y', 'a', 'b')",
         "insert into image_properties (image_id, name, value) values(?+)"),
        ("select  a from b where c = -1.5e3 and d is null and e = 0xFF and f = b'101'",
         "select a from b where c = ? and d is ? and e = ?ff and f = ?"),
        ("SELECT id FROM t WHERE id IN (1, 2, 3) AND name IN ('a','b') LIMIT 10, 20",
         "select id from t where id in(?+) and name in(?+) limit ?"),
        ("SELECT a FROM t /* a comment */ WHERE b = \"dq\" -- trailing\nORDER BY a ASC, b DESC, c asc",
         "select a from t where b = ? order by a, b desc, c"),
        ("use glance", "use ?"),
        ("CALL do_something(1, 'x')", "call do_something"),
        ("REPLACE IGNORE INTO t (a) VALUES (1),(2)", "replace ignore into t (a) values(?+)"),
        ("UPDATE images SET status='active', size=1786240955, updated_at='2026-11-24 18:43:00.123456' WHERE images.id = 'a08901e6' AND images.deleted = false",
         "update images set status=?, size=?, updated_at=? where images.id = ? and images.deleted = false"),
        ("SELECT 1 FROM dual WHERE x = 'it\\'s' AND y = \"say \\\"hi\\\"\"", "select ? from dual where x = ? and y = ?"),
        ("select * from t limit 5 offset 10", "select * from t limit ?"),
        ("SELECT NULLIF(a, 1), a IS NOT NULL FROM t_2 WHERE nullable = NULL",
         "select nullif(a, ?), a is not ? from t_? where nullable = ?"),
        ("INSERT INTO t VALUES(1,2) ", "insert into t values(?+) "),
        ("select values from t where a in(?,?)", "select values from t where a in(?+)"),
    ]

    @Test func recordedAnswersOfPtFingerprint() {
        for (statement, expected) in SQLFingerprintTests.recorded {
            #expect(SQLFingerprint.of(statement) == expected, "\(statement)")
        }
    }

    @Test func hugeStatementsStayLinear() {
        // A 4 MB blob INSERT mentioning VALUES over and over must not go quadratic.
        let blob = String(repeating: "VALUES (x) ", count: 400_000)
        let statement = "INSERT INTO t (a) VALUES ('\(blob)')"
        let start = Date()
        #expect(SQLFingerprint.of(statement) == "insert into t (a) values(?+)")
        #expect(Date().timeIntervalSince(start) < 30)
    }

    /// Random text made of the characters the rules look at: never a trap, and the same answer twice.
    @Test func randomTextNeverTraps() {
        let alphabet = Array("insert INTO values VALUES() ,'\"\\/*!-#\n\t?0123456789abfxXbB.+-limit offset order by asc null call use é".unicodeScalars)
        var generator = SplitMix64(seed: 42)
        for _ in 0..<3000 {
            var text = String.UnicodeScalarView()
            for _ in 0..<Int(generator.next() >> 58) * 3 {
                text.append(alphabet[Int(generator.next() % UInt64(alphabet.count))])
            }
            let statement = String(text)
            #expect(SQLFingerprint.of(statement) == SQLFingerprint.of(statement))
        }
    }

    /// Statements the recorded captures' general logs hold (Keystone's and Glance's real SQL).
    static func loggedStatements() throws -> [String] {
        var statements: [String] = []
        for scenario in ["a-seed", "b-sequential", "e-lifecycle"] {
            let bytes = try StreamFixture.gunzip("\(scenario).truth.json.gz")
            let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] ?? [:]
            for s in object["sql"] as? [[Any]] ?? [] where s.count == 4 {
                if let command = s[2] as? String, command == "Query", let text = s[3] as? String { statements.append(text) }
            }
        }
        return Array(Set(statements)).sorted()
    }

    static let ptFingerprint = ExternalTool.path("pt-fingerprint")

    @Test(.enabled(if: ptFingerprint != nil, "pt-fingerprint (percona-toolkit) is not installed"))
    func sameAsPtFingerprintOnEveryLoggedStatement() throws {
        // pt-fingerprint reads statements separated by ";\n" and skips what does not start with a
        // word character; keep to statements it reads back exactly.
        let statements = try SQLFingerprintTests.loggedStatements().filter {
            !$0.contains(";\n") && !$0.hasSuffix("\n") && !$0.contains("\n#") && $0.first.map { $0.isLetter } == true
        } + SQLFingerprintTests.recorded.map(\.0)
        #expect(statements.count > 100)
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("fingerprint-\(getpid()).sql")
        try (statements.joined(separator: ";\n") + ";\n").write(to: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SQLFingerprintTests.ptFingerprint!)
        process.arguments = [input.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let theirs = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(theirs.count >= statements.count)
        var differences: [String] = []
        for (i, statement) in statements.enumerated() where i < theirs.count {
            let ours = SQLFingerprint.of(statement)
            if ours != theirs[i] { differences.append("\(statement)\n  ours:   \(ours)\n  theirs: \(theirs[i])") }
        }
        #expect(differences.isEmpty, "\(differences.count) of \(statements.count) differ, first: \(differences.first ?? "")")
    }
}
