import CaptureIO
import Foundation
import MySQLDecoding
import TestSupport
import Testing
@testable import Analysis
@testable import Timeline

/// The store must give back exactly what went in, in start order, whether the commands sit in
/// memory, in the temporary file or (when that cannot be written) in memory after all.
@Suite struct SQLFactStoreTests {
    /// Every field of a fact, as one comparable value.
    static func fields(_ f: SQLFact) -> String {
        let rows = f.rows.map { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ?? "NULL")" }.joined(separator: ",") }
        var parts: [String] = [String(f.index), String(f.time.nanoseconds), String(f.end.nanoseconds), String(f.connection)]
        parts += [f.client, f.server, f.threadID.map(String.init) ?? "-", f.sqlstate ?? "-"]
        parts += [f.rowCount.map(String.init) ?? "-", String(f.complete), String(f.tls), f.user ?? "-", f.database ?? "-"]
        parts += [f.command.name, f.verb.map { String($0.packed) } ?? "-", f.statement, "\(f.outcome)", rows.joined(separator: ";"), f.lastInsertID.map(String.init) ?? "-"]
        return parts.joined(separator: "|")
    }

    /// Facts with every field exercised: absent and present optionals, each outcome, kept rows
    /// with NULLs, multi-byte text, and statements long enough to fill the spill file.
    static func randomFacts(count: Int, seed: UInt64) -> [SQLFact] {
        var rng = SplitMix64(seed: seed)
        let statements = ["SELECT images.status AS images_status FROM images WHERE images.id = 'é✓'", "COMMIT", "ROLLBACK",
                          "SET autocommit=0", "INSERT INTO images (id) VALUES ('x')", "  update images SET status='active'",
                          "DELETE FROM image_properties WHERE id=1", "", String(repeating: "SELECT 1 -- padding ", count: 40)]
        return (0..<count).map { i in
            let start = Int64(rng.next() % 1_000_000)
            let outcome: SQLFact.Outcome
            switch rng.next() % 4 {
            case 0: outcome = .ok(affectedRows: rng.next() % 2 == 0 ? nil : Int64(rng.next() % 100))
            case 1: outcome = .error(code: 1062, message: "Duplicate entry ✗")
            case 2: outcome = .rows(Int(rng.next() % 1000))
            default: outcome = .none
            }
            let rows: [[String: String?]] = rng.next() % 5 == 0 ? [["images_id": "abc", "images_status": nil], ["k": "v"]] : []
            var fact = SQLFact(index: i, time: Timestamp(nanoseconds: start), end: Timestamp(nanoseconds: start + 5),
                               connection: Int(rng.next() % 7), client: "10.0.0.\(i % 250):\(40000 + i % 9999)",
                               user: rng.next() % 3 == 0 ? nil : "glance", database: rng.next() % 3 == 0 ? nil : "glance",
                               command: [MySQLCommand.query, .stmtExecute, .ping][Int(rng.next() % 3)],
                               statement: statements[Int(rng.next() % UInt64(statements.count))] + " \(i)",
                               outcome: outcome, rows: rows, lastInsertID: rng.next() % 2 == 0 ? nil : Int64(i))
            fact.server = "192.168.24.1:3306"
            fact.threadID = rng.next() % 2 == 0 ? nil : i
            fact.sqlstate = rng.next() % 2 == 0 ? nil : "23000"
            fact.rowCount = rng.next() % 2 == 0 ? nil : i * 3
            fact.complete = rng.next() % 2 == 0
            fact.tls = rng.next() % 2 == 0
            return fact
        }
    }

    static func expectSorted(_ store: SQLFactStore, _ facts: [SQLFact]) {
        // Start order, ties by connection, then by arrival.
        let order = facts.indices.sorted {
            (facts[$0].time, facts[$0].connection, $0) < (facts[$1].time, facts[$1].connection, $1)
        }
        #expect(store.count == facts.count)
        var mismatches = 0
        for (position, original) in order.enumerated() {
            var expected = facts[original]
            expected.index = position
            if fields(store[position]) != fields(expected) { mismatches += 1 }
            if store.time(at: position) != expected.time || store.connection(at: position) != expected.connection { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func smallStoreStaysInMemoryAndRoundTrips() {
        let facts = SQLFactStoreTests.randomFacts(count: 50, seed: 1)
        let store = SQLFactStore(spillDirectory: "/nonexistent-directory")
        for fact in facts { store.append(fact) }
        store.sortByStart()
        SQLFactStoreTests.expectSorted(store, facts)
        #expect(store.warning == nil)
    }

    @Test func largeStoreSpillsToDiskAndRoundTrips() {
        // About 6 MB encoded: several flushes, read back through the read-ahead window.
        let facts = SQLFactStoreTests.randomFacts(count: 20_000, seed: 2)
        let store = SQLFactStore(spillDirectory: nil)
        for fact in facts { store.append(fact) }
        store.sortByStart()
        #expect(store.warning == nil)
        SQLFactStoreTests.expectSorted(store, facts)
        // Random access after sequential: the window moves back and forth.
        var rng = SplitMix64(seed: 3)
        let order = facts.indices.sorted { (facts[$0].time, facts[$0].connection, $0) < (facts[$1].time, facts[$1].connection, $1) }
        for _ in 0..<500 {
            let position = Int(rng.next() % UInt64(facts.count))
            var expected = facts[order[position]]
            expected.index = position
            #expect(SQLFactStoreTests.fields(store[position]) == SQLFactStoreTests.fields(expected))
        }
    }

    @Test func unwritableTemporaryDirectoryKeepsEverythingInMemory() {
        let facts = SQLFactStoreTests.randomFacts(count: 8_000, seed: 4)
        let store = SQLFactStore(spillDirectory: "/nonexistent-directory")
        for fact in facts { store.append(fact) }
        store.sortByStart()
        #expect(store.warning?.contains("/nonexistent-directory") == true)
        SQLFactStoreTests.expectSorted(store, facts)
    }

    /// The trait the store records for a Query with `statement` (what the timeline reads).
    static func mayWrite(_ statement: String) -> Bool {
        let fact = SQLFact(index: 0, time: .zero, end: .zero, connection: 0, client: "", user: nil, database: nil,
                           command: .query, statement: statement, outcome: .none)
        return SQLFactTraits(rawValue: SQLFact.traitBits(of: fact)).contains(.mayWrite)
    }

    @Test func traitsTellWhatNeedsDecoding() {
        #expect(Self.mayWrite("INSERT INTO images (id) VALUES ('a')"))
        #expect(Self.mayWrite("\n  update images SET status='active' WHERE id='a'"))
        #expect(Self.mayWrite("DELETE FROM image_properties WHERE id=3"))
        #expect(Self.mayWrite("INSERT`images`"))  // unusual: parsed to be sure
        #expect(!Self.mayWrite("SELECT images.id FROM images"))
        #expect(!Self.mayWrite("INSERTED"))
        #expect(!Self.mayWrite("COMMIT"))
        #expect(!Self.mayWrite(""))
        // Whatever the cheap test says, it never misses a statement the parser takes for a write.
        for text in ["INSERT INTO t (a) VALUES (1)", "UPDATE t SET a=1", "DELETE FROM t", " delete from t where a=1",
                     "SELECT 1", "COMMIT", "SET autocommit=0", "insert\tinto t (a) values (1)"] {
            if SQLWriteStatement(parsing: text) != nil { #expect(Self.mayWrite(text), "\(text)") }
        }
        // Nor a statement the transaction log takes for COMMIT, ROLLBACK or SET.
        for text in ["COMMIT", " commit;", ";ROLLBACK", "\tSET autocommit=0", "set names utf8", "SAVEPOINT x", "SELECT 1", "é"] {
            let fact = SQLFact(index: 0, time: .zero, end: .zero, connection: 0, client: "", user: nil, database: nil,
                               command: .query, statement: text, outcome: .ok(affectedRows: nil))
            let marked = SQLFactTraits(rawValue: SQLFact.traitBits(of: fact)).contains(.transactionControl)
            if let verb = SQLVerb(statement: text), [.commit, .rollback, .set].contains(verb) { #expect(marked, "\(text)") }
            if text == "SELECT 1" || text == "SAVEPOINT x" { #expect(!marked, "\(text)") }
        }
    }
}

/// HTTP exchanges through the same store: every field back as it went in, whole or spilled.
@Suite struct HTTPFactStoreTests {
    static func fields(_ f: HTTPFact) -> String {
        var parts: [String] = [String(f.index), String(f.time.nanoseconds), String(f.end.nanoseconds), String(f.connection)]
        parts += [f.client, f.server, f.service, f.operation.rawValue, String(f.requestStreamEndedInBody), f.method, f.path, f.status.map(String.init) ?? "-"]
        parts += [f.imageID ?? "-", f.imageName ?? "-", f.reportedStatus ?? "-"]
        parts += [f.reportedFields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")]
        parts += [f.requestEnd.map { String($0.nanoseconds) } ?? "-", String(f.requestBytes), String(f.requestComplete)]
        parts += [f.uploadMD5 ?? "-", f.uploadSHA512 ?? "-", f.tokenFingerprint ?? "-", f.subjectTokenFingerprint ?? "-"]
        parts += [f.requestID ?? "-", String(f.responseBytes), String(f.tls), f.notes.joined(separator: ";")]
        return parts.joined(separator: "|")
    }

    @Test(arguments: [10, 12_000])
    func everyFieldComesBack(count: Int) {
        var rng = SplitMix64(seed: UInt64(count))
        func maybe(_ text: String) -> String? { rng.next() % 2 == 0 ? nil : text }
        let facts: [HTTPFact] = (0..<count).map { i in
            let start = Int64(rng.next() % 1_000_000)
            var fact = HTTPFact(index: i, time: Timestamp(nanoseconds: start), end: Timestamp(nanoseconds: start + 9),
                                connection: Int(rng.next() % 5), client: "10.0.0.1:\(i)", server: "192.168.24.5:9292",
                                service: ["glance", "keystone", "other"][i % 3], operation: "image-upload",
                                method: ["PUT", "GET", "PATCH"][i % 3], path: "/v2/images/\(i)/file é",
                                status: rng.next() % 4 == 0 ? nil : 200 + i % 400, imageID: maybe("id-\(i)"),
                                imageName: maybe("name ✓ \(i)"), reportedStatus: maybe("active"),
                                reportedFields: rng.next() % 2 == 0 ? [:] : ["size": "\(i)", "checksum": "abc", "disk_format": "qcow2"],
                                requestBytes: Int(rng.next() % 1_000_000), requestComplete: rng.next() % 2 == 0,
                                uploadMD5: maybe("md5"), uploadSHA512: maybe(String(repeating: "f", count: 128)),
                                tokenFingerprint: maybe("<masked sha256:0011aabb>"), subjectTokenFingerprint: maybe("<masked sha256:ffee0011>"))
            fact.requestEnd = rng.next() % 2 == 0 ? nil : Timestamp(nanoseconds: start + 3)
            fact.requestID = maybe("req-\(i)")
            fact.responseBytes = Int(rng.next() % 10_000)
            fact.tls = rng.next() % 2 == 0
            fact.notes = rng.next() % 3 == 0 ? ["gap of 10 bytes", "ended inside a request body"] : []
            fact.requestStreamEndedInBody = !fact.notes.isEmpty
            return fact
        }
        let store = HTTPFactStore(spillDirectory: nil)
        for fact in facts { store.append(fact) }
        store.sortByStart()
        #expect(store.warning == nil)
        let order = facts.indices.sorted { (facts[$0].time, facts[$0].connection, $0) < (facts[$1].time, facts[$1].connection, $1) }
        var mismatches = 0
        for (position, original) in order.enumerated() {
            var expected = facts[original]
            expected.index = position
            if Self.fields(store[position]) != Self.fields(expected) { mismatches += 1 }
            let traits = store.traits(at: position)
            if traits.contains(.namesImage) != (expected.imageID != nil || expected.imageName != nil) { mismatches += 1 }
            if traits.contains(.carriesToken) != (expected.tokenFingerprint != nil) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }
}
