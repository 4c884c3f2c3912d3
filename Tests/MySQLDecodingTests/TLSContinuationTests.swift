import CaptureIO
import Reassembly
import Testing
@testable import MySQLDecoding

/// MySQL over TLS after an SSLRequest: the plaintext streams of `Fixtures/mysql/tls/` (greeting
/// and SSLRequest in the clear, then what tshark decrypted with the session's key log) read by
/// the outer decoder and a `MySQLConnectionDecoder(continuing:)` inside, against MariaDB's
/// general log.
struct TLSContinuationTests {
    static let scenarios = ["tls13", "tls12"]

    static func fixture(_ scenario: String) throws -> StreamFixture {
        try StreamFixture(named: "tls/\(scenario).plaintext.chunks.gz")
    }

    @Test(arguments: scenarios)
    func commandsMatchTheGeneralLog(scenario: String) throws {
        let (records, decoders) = try Self.fixture(scenario).replay()
        let log = try GeneralLog(named: "tls/\(scenario).general.log")
        let logged = RecordedFixtureTests.logged(records)
        #expect(logged.map(\.commandName) == log.entries.map(\.command))
        #expect(logged.map(\.statement) == log.entries.map(\.argument))
        #expect(records.allSatisfy { $0.connectionID.map(Int.init) == log.entries.first?.connectionID })
        #expect(records.allSatisfy { $0.isTLS && $0.user == "gt" })
        for record in records where record.command != .quit {
            #expect(record.isComplete && record.end != nil, "\(record.statement) \(record.notes)")
        }

        let outer = try #require(decoders[0])
        let inner = try #require(outer.tlsConsumer as? MySQLConnectionDecoder)
        #expect(outer.isTLS && outer.commandCount == 0)
        #expect(inner.isTLS && inner.serverVersion == outer.serverVersion && inner.connectionID == outer.connectionID)
        #expect(inner.serverVersion?.contains("MariaDB") == true)
        #expect(inner.user == "gt" && inner.database == "otherdb" && inner.facts.authenticated == true)
        #expect(inner.unpairedServerPackets == 0)
    }

    @Test(arguments: scenarios)
    func resultsAreRead(scenario: String) throws {
        let records = try Self.fixture(scenario).replay().records
        func record(_ prefix: String) throws -> MySQLCommandRecord {
            try #require(records.first { $0.statement.hasPrefix(prefix) })
        }
        let connect = try record("gt@127.0.0.1")
        #expect(connect.command == .connect && connect.result.kind == .ok && connect.database == "gtdb")
        #expect(try record("INSERT INTO t_\(scenario) (name, body) VALUES ('alpha'").result.affectedRows == 2)
        let list = try record("SELECT id, name")
        #expect(list.result.kind == .rows && list.result.rowCount == 3)
        #expect(list.result.rows.map { $0["name"] ?? nil } == ["alpha", "beta", "big"])
        // 40 000 bytes of row: one MySQL packet over three TLS records.
        let big = try record("SELECT LENGTH(body)")
        #expect(big.result.rowCount == 1 && big.result.rows.first?["LENGTH(body)"] == "40000")
        let missing = try record("SELECT * FROM no_such_table")
        #expect(missing.result.kind == .error && missing.result.errorCode == 1146 && missing.result.sqlState == "42S02")
        #expect(try record("UPDATE").result.affectedRows == 1)
        let last = try record("SELECT DATABASE()")
        #expect(last.database == "otherdb" && last.result.rows.first?["db"] == "otherdb")
    }

    @Test(arguments: scenarios)
    func anySplitGivesTheSameRecords(scenario: String) throws {
        let fixture = try Self.fixture(scenario)
        let baseline = fixture.replay().records
        #expect(baseline.count > 10)
        #expect(fixture.replay(split: .byteByByte).records == baseline)
        for seed: UInt64 in [1, 2, 3] {
            #expect(fixture.replay(split: .random(seed: seed)).records == baseline)
        }
    }

    /// A gap inside TLS reaches the inner decoder as a gap: the cut command is marked, the rest
    /// reads as before.
    @Test(arguments: scenarios)
    func gapsInsideTLSResynchronise(scenario: String) throws {
        let fixture = try Self.fixture(scenario)
        let baseline = fixture.replay().records

        let lostResponse = try #require(fixture.eventIndex(containing: "xxxxxxxx", direction: .serverToClient))
        let afterServerGap = fixture.replay(gaps: [lostResponse]).records
        let big = try #require(afterServerGap.first { $0.statement.hasPrefix("SELECT LENGTH(body)") })
        #expect(!big.isComplete && big.notes.contains { $0.contains("gap") })
        let later = baseline.drop { !$0.statement.hasPrefix("SELECT * FROM no_such_table") }
        #expect(!later.isEmpty && Array(afterServerGap.suffix(later.count)) == Array(later))

        let lostCommand = try #require(fixture.eventIndex(containing: "UPDATE t_", direction: .clientToServer))
        let afterClientGap = fixture.replay(gaps: [lostCommand]).records
        #expect(!afterClientGap.contains { $0.statement.hasPrefix("UPDATE") })
        let afterUpdate = baseline.drop { $0.command != .initDB }
        #expect(!afterUpdate.isEmpty && Array(afterClientGap.suffix(afterUpdate.count)) == Array(afterUpdate))
    }

    /// A HandshakeResponse inside TLS also has CLIENT_SSL set; it must not be taken for a second SSLRequest.
    @Test func innerHandshakeResponseDoesNotStartTLSAgain() throws {
        let (_, decoders) = try Self.fixture("tls13").replay()
        let inner = try #require(decoders[0]?.tlsConsumer as? MySQLConnectionDecoder)
        #expect(inner.tlsConsumer == nil && inner.facts.clientCapabilities.contains(.ssl))
        #expect(inner.commandCount > 10)
    }

    /// The auth response of the HandshakeResponse41 sent inside TLS (sequence id 2) reaches no record or fact.
    @Test(arguments: scenarios)
    func authResponseInsideTLSIsNeverKept(scenario: String) throws {
        let fixture = try Self.fixture(scenario)
        let (records, decoders) = fixture.replay()
        // Payload: flags 4, max packet 4, charset 1, filler 23, user NUL, auth length, auth data.
        let response = try #require(fixture.events.lazy.compactMap { event -> [UInt8]? in
            guard case let .data(_, .clientToServer, _, bytes) = event, bytes.count > 40, bytes[3] == 2 else { return nil }
            return bytes
        }.first)
        let nul = try #require(response[36...].firstIndex(of: 0))
        let length = Int(response[nul + 1])
        #expect(length == 20)  // mysql_native_password's scramble answer
        let secret = Array(response[(nul + 2)..<(nul + 2 + length)])
        let inner = try #require(decoders[0]?.tlsConsumer as? MySQLConnectionDecoder)
        var texts = records.flatMap { [$0.statement, $0.result.info ?? "", $0.result.message ?? ""] + $0.notes }
        texts += inner.facts.clientAttributes.values + [inner.facts.user ?? "", inner.facts.authPlugin ?? ""]
        // Byte comparison: the scramble is not UTF-8, so a decoded copy would hold replacement characters.
        func holdsSecret(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            guard bytes.count >= secret.count else { return false }
            return (0...(bytes.count - secret.count)).contains { bytes[$0..<($0 + secret.count)].elementsEqual(secret) }
        }
        #expect(!texts.contains(where: holdsSecret))
        #expect(inner.facts.authPlugin == "mysql_native_password")
    }
}
