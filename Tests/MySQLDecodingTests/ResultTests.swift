import Testing
@testable import MySQLDecoding

private let sqlNull: String? = nil

/// Responses of the recorded fixtures against what `record_client.py` did (independent truth:
/// the statements, data and errors it sent) and MariaDB's documented error codes.
struct ResultTests {
    static func records(_ scenario: String) throws -> ([MySQLCommandRecord], [Int: MySQLConnectionDecoder]) {
        let (records, decoders) = try StreamFixture(named: "\(scenario).chunks.gz").replay()
        return (records, decoders)
    }

    static func first(_ records: [MySQLCommandRecord], _ prefix: String, command: MySQLCommand = .query) -> MySQLCommandRecord? {
        records.first { $0.command == command && $0.statement.hasPrefix(prefix) }
    }

    @Test func textProtocolResults() throws {
        let (records, decoders) = try Self.records("text")
        let facts = try #require(decoders.values.first?.facts)
        #expect(facts.user == "gt")
        #expect(facts.clientAttributes["program_name"] == "gt-recorder")
        #expect(facts.clientAttributes["_client_name"] == "pymysql")
        // As tshark's mysql.version shows it (MariaDB's 5.5.5- compatibility prefix).
        #expect(facts.serverVersion == "5.5.5-10.11.19-MariaDB-0+deb12u1-log")
        #expect(facts.authenticated == true && !facts.isTLS && !facts.isCompressed)

        let insert = try #require(Self.first(records, "INSERT INTO kv"))
        #expect(insert.result.kind == .ok && insert.result.affectedRows == 2)
        #expect(insert.result.info == "Records: 2  Duplicates: 0  Warnings: 0")
        let update = try #require(Self.first(records, "UPDATE kv SET v = 'uno'"))
        #expect(update.result.affectedRows == 1 && update.result.info == "Rows matched: 1  Changed: 1  Warnings: 0")

        let select = try #require(Self.first(records, "SELECT k, v FROM kv"))
        #expect(select.result.kind == .rows && select.result.rowCount == 2)
        #expect(select.result.columns.map(\.name) == ["k", "v"])
        #expect(select.result.rows == [["k": "a", "v": "uno"], ["k": "b", "v": sqlNull]])

        let multi = try #require(Self.first(records, "SELECT 1 AS one;"))
        #expect(multi.result.resultSets.count == 2)
        #expect(multi.result.resultSets[1].rows == [["b": "x", "c": sqlNull]])
        #expect(multi.result.info == "Rows matched: 0  Changed: 0  Warnings: 0")
        let call = try #require(Self.first(records, "CALL two_sets()"))
        #expect(call.result.resultSets.map(\.rows) == [[["first_set": "1"]], [["second_set": "two", "n": "2"]]])

        let missing = try #require(Self.first(records, "SELECT * FROM no_such_table"))
        #expect(missing.result.kind == .error && missing.result.errorCode == 1146 && missing.result.sqlState == "42S02")
        #expect(missing.result.message == "Table 'gtdb.no_such_table' doesn't exist")
        let duplicate = try #require(Self.first(records, "INSERT INTO kv (k, v) VALUES ('a', 'dup')"))
        #expect(duplicate.result.errorCode == 1062 && duplicate.result.sqlState == "23000")

        let load = try #require(Self.first(records, "LOAD DATA LOCAL INFILE"))
        #expect(load.result.localInfileName == "/tmp/gt-infile.csv")
        #expect(load.result.localInfileBytes == "100,alpha\n101,beta\n102,gamma\n".utf8.count)
        #expect(load.result.kind == .ok && load.result.affectedRows == 3)

        let wide = try #require(Self.first(records, "SELECT REPEAT('z', 3000)"))
        let value = try #require(wide.result.rows.first?["wide"] ?? nil)
        #expect(value == String(repeating: "z", count: 1024) + "…")

        let seq = try #require(Self.first(records, "SELECT seq FROM seq_1_to_250"))
        #expect(seq.result.rowCount == 250 && seq.result.rows.count == 100)
        #expect(seq.result.rows.last?["seq"] == "100")

        // Init DB and USE move the default database of later records.
        let afterInit = try #require(records.first { $0.command == .ping })
        #expect(afterInit.database == "otherdb")
        #expect(records.last { $0.command == .query }?.database == "gtdb")
        for r in records where r.command != .quit {
            #expect(r.end.map { $0 >= r.start } == true)
        }
    }

    @Test func binaryProtocolResults() throws {
        let (records, decoders) = try Self.records("prepared")
        let facts = try #require(decoders.values.first?.facts)
        #expect(facts.clientAttributes["_client_name"] == "mysql-connector-python")
        let select = try #require(records.first { $0.command == .stmtExecute && $0.statement.hasPrefix("SELECT i, neg") })
        #expect(select.result.resultSets.first?.isBinary == true)
        #expect(select.result.rowCount == 3)
        let row = try #require(select.result.rows.last)
        let expected: [String: String?] = [
            "i": "42", "neg": "-7", "big_u": "18446744073709551615", "f": "1.5", "d": "-2.25", "dec_v": "12345.678",
            "s": "O'Reilly \"q\"\nline2 \\ end", "n": sqlNull, "dt": "2024-02-29",
            "dtm": "2024-03-01 13:14:15.123456", "tm": "25:01:02", "bo": "1", "y": "2024",
        ]
        for (name, value) in expected { #expect(row[name] == value, "\(name)") }
        #expect(row["b"] == .some(String(decoding: [0, 1] + Array("bin".utf8) + [0xff], as: UTF8.self)))

        let prepare = try #require(records.first { $0.command == .stmtPrepare })
        #expect(prepare.result.preparedParameterCount == 14 && prepare.statementID == 1)
        let insert = try #require(records.first { $0.command == .stmtExecute })
        #expect(insert.parameters.count == 14 && insert.parameters[8] == "NULL" && insert.result.affectedRows == 1)
        let long = try #require(records.first { $0.command == .stmtExecute && $0.statement.contains("(12,") })
        #expect(long.parameters == ["12", "'long data value'"])
        let failed = try #require(records.first { $0.command == .stmtPrepare && $0.result.kind == .error })
        #expect(failed.result.errorCode == 1146)
        let change = try #require(records.first { $0.command == .changeUser })
        #expect(change.result.kind == .ok)
        #expect(records.last { $0.command == .query }?.database == "otherdb")
        let stats = try #require(records.first { $0.command == .statistics })
        #expect(stats.result.text?.hasPrefix("Uptime:") == true)
    }

    @Test func compressedProtocol() throws {
        let (records, decoders) = try Self.records("compressed")
        let facts = try #require(decoders.values.first?.facts)
        #expect(facts.isCompressed && facts.negotiated.contains(.compress))
        let rows = try #require(Self.first(records, "SELECT seq, CONCAT"))
        #expect(rows.result.rowCount == 400 && rows.result.rows[99] == ["seq": "100", "label": "row 100"])
        let big = try #require(Self.first(records, "SELECT v FROM kv"))
        #expect(big.result.rows.first?["v"] == .some(String(repeating: "abc", count: 400).prefix(1024) + "…"))
        let execute = try #require(records.first { $0.command == .stmtExecute })
        #expect(execute.result.rows == [["plus": "42", "txt": "compressed"]])
        #expect(records.allSatisfy { $0.isComplete })
    }

    /// MySQL 8's zstd compressed protocol (`transcode_zstd.py` made the fixture from the zlib
    /// recording): the same commands, rows and values as with zlib.
    @Test func zstdCompressedProtocol() throws {
        let (records, decoders) = try Self.records("compressed-zstd")
        let facts = try #require(decoders.values.first?.facts)
        #expect(facts.isZstdCompressed && !facts.isCompressed && facts.negotiated.contains(.zstdCompression))
        let (zlibRecords, _) = try Self.records("compressed")
        #expect(records.map(\.statement) == zlibRecords.map(\.statement))
        #expect(records.map(\.result.rowCount) == zlibRecords.map(\.result.rowCount))
        #expect(records.map(\.result.rows) == zlibRecords.map(\.result.rows))
        #expect(records.allSatisfy { $0.isComplete && $0.notes.isEmpty })
    }

    /// `keepsRows` leaves out the values and text-result columns of the statements the caller does
    /// not read, and nothing else: row counts and every other field stay as with all rows kept.
    @Test func rowsKeptOnlyWhereAsked() throws {
        var configuration = MySQLDecoderConfiguration()
        configuration.keepsRows = { $0.hasPrefix("SELECT seq, CONCAT") }
        let fixture = try StreamFixture(named: "compressed.chunks.gz")
        let some = fixture.replay(configuration: configuration).records
        let all = fixture.replay().records
        #expect(some.count == all.count)
        for (a, b) in zip(some, all) {
            #expect(a.statement == b.statement && a.result.rowCount == b.result.rowCount)
            if a.statement.hasPrefix("SELECT seq, CONCAT") {
                #expect(a.result.rows == b.result.rows && a.result.rows.count == 100)
                #expect(a.result.columns == b.result.columns && !a.result.columns.isEmpty)
            } else {
                #expect(a.result.rows.isEmpty)
                #expect(a.result.columns.isEmpty || a.command != .query)
            }
        }
        #expect(all.contains { !$0.result.rows.isEmpty && !$0.statement.hasPrefix("SELECT seq, CONCAT") })
    }

    @Test func deprecateEOF() throws {
        let (records, decoders) = try Self.records("deprecate_eof")
        #expect(decoders.values.first?.facts.negotiated.contains(.deprecateEOF) == true)
        let empty = try #require(Self.first(records, "SELECT k FROM kv WHERE 1 = 0"))
        #expect(empty.result.kind == .rows && empty.result.rowCount == 0 && empty.result.columns.map(\.name) == ["k"])
        let multi = try #require(Self.first(records, "SELECT 1 AS a;"))
        #expect(multi.result.resultSets.map(\.rows) == [[["a": "1"]], [["b": "2"]]])
        let update = try #require(Self.first(records, "UPDATE kv"))
        #expect(update.result.kind == .ok && update.result.info == "Rows matched: 0  Changed: 0  Warnings: 0")
        #expect(Self.first(records, "SELECT nope")?.result.errorCode == 1054)
    }

    @Test func cClientEd25519AuthSwitchAndFieldList() throws {
        let (records, decoders) = try Self.records("cli")
        let cli = try #require(decoders.values.first { $0.facts.user == "gted" })
        #expect(cli.facts.authPlugin == "client_ed25519")
        #expect(cli.facts.isCompressed)
        // tshark's mysql.connattrs.name/value for this connection.
        #expect(cli.facts.clientAttributes["program_name"] == "mysql")
        #expect(cli.facts.clientAttributes["_client_name"] == "libmariadb")
        #expect(cli.facts.clientAttributes["_client_version"] == "3.3.20")
        #expect(records.contains { $0.command == .fieldList } || records.contains { $0.command == .initDB })
        #expect(records.first { $0.command == .statistics }?.result.text?.contains("Threads") == true)
    }

    @Test func packetsOf16MiBAndMore() throws {
        let (records, _) = try Self.records("large")
        let insert = try #require(Self.first(records, "INSERT INTO blobs"))
        // 17 MiB + 5 bytes as X'hex' is three 0xffffff fragments and a tail.
        #expect(insert.statementBytes == 35_651_638)
        #expect(insert.statement.utf8.count == 1 << 20)
        #expect(insert.result.affectedRows == 1 && insert.isComplete)
        #expect(Self.first(records, "SELECT id, LENGTH")?.result.rows == [["id": "1", "len": "17825797"]])
        let select = try #require(Self.first(records, "SELECT data FROM blobs"))
        #expect(select.result.rowCount == 1 && select.isComplete)
        #expect(select.result.rows.first?["data"] == .some(String(repeating: "G", count: 1024) + "…"))
        #expect(records.last?.command == .quit)
    }
}
