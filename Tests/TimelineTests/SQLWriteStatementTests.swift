import Foundation
import TestSupport
import Testing
@testable import Timeline

@Suite struct SQLWriteStatementTests {
    @Test func insertWithNullsAndNumbers() throws {
        let write = try #require(SQLWriteStatement(parsing:
            "INSERT INTO images (id, name, size, status, protected) VALUES ('abc', 'it''s', NULL, 'queued', 0)"))
        #expect(write.kind == .insert)
        #expect(write.table == "images")
        #expect(write.value("id") == "abc")
        #expect(write.value("name") == "it's")
        #expect(write.values["size"] == .some(nil))
        #expect(write.value("protected") == "0")
    }

    @Test func updateWithGuard() throws {
        let write = try #require(SQLWriteStatement(parsing:
            "UPDATE images SET status='saving', size=NULL, name='a\\'b' WHERE images.id = 'x1' AND images.status = 'queued'"))
        #expect(write.kind == .update)
        #expect(write.value("status") == "saving")
        #expect(write.value("name") == "a'b")
        #expect(write.condition("id") == "x1")
        #expect(write.condition("status") == "queued")
    }

    @Test(arguments: ["SELECT 1", "INSERT INTO t (a, b) VALUES (1)", "UPDATE t SET a = now()", "", "INSERT", "'"])
    func nonWritesAndOddShapesGiveNil(_ statement: String) {
        #expect(SQLWriteStatement(parsing: statement) == nil)
    }

    /// Every status write MariaDB logged, parsed, gives the status sequence truth.py derived.
    @Test(.enabled(if: ProjectPaths.sharedCapturesAvailable, SharedCaptures.missing), arguments: ProjectPaths.sharedScenarios)
    func statusSequencesOfRealCapturesMatchTruth(_ scenario: String) throws {
        let truth = try FixtureFile.sharedTruth(scenario)
        let statements = (truth["sql"] as? [[String: Any]] ?? []).compactMap { $0["statement"] as? String }
        var sequences: [String: [String]] = [:]
        for statement in statements {
            guard let write = SQLWriteStatement(parsing: statement), write.table == "images",
                  let status = write.value("status") else { continue }
            guard let id = write.value("id") ?? write.condition("id") else { continue }
            sequences[id, default: []].append(status)
        }
        let expected = truth["image_status_sequence"] as? [String: [String]] ?? [:]
        #expect(!expected.isEmpty)
        #expect(sequences == expected)
    }
}
