import CaptureIO
import Reassembly
import TestSupport
import Testing
@testable import MySQLDecoding

/// Connections the capture joined without their SYN (issue 18, items 1, 2 and 7): one that still
/// begins at its greeting or its login is read from there; a login never answered is a row.
struct JoinedConnectionTests {
    typealias S = SyntheticStreamTests

    static let clientCapabilities: UInt32 = 1 << 0 | 1 << 3 | 1 << 9 | 1 << 15 | 1 << 19   // LONG_PASSWORD, CONNECT_WITH_DB, PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH

    /// HandshakeResponse41: capabilities, max packet, charset, 23 zero bytes, user, scramble, database, plugin.
    static func login(user: String, database: String) -> [UInt8] {
        S.le32(clientCapabilities) + S.le32(1 << 24) + [45] + Array(repeating: 0, count: 23)
            + Array(user.utf8) + [0] + [20] + Array(repeating: 0x5a, count: 20) + Array(database.utf8) + [0]
            + Array("mysql_native_password".utf8) + [0]
    }

    func decoder(_ sink: @escaping (MySQLCommandRecord) -> Void) -> MySQLConnectionDecoder {
        SyntheticStreamTests().decoder(sawHandshake: false, sink)
    }

    func feed(_ d: MySQLConnectionDecoder, _ bytes: [UInt8], _ direction: FlowDirection, _ t: Int64) {
        SyntheticStreamTests().feed(d, bytes, direction, t)
    }

    /// Packetbeat's mysql_connection.pcap: no SYN, but the greeting is the first thing captured.
    /// Before the fix the login's bytes were read as commands (`Quit`, `Sleep`) and the queries lost.
    @Test func aConnectionJoinedAtItsGreetingReadsTheLoginAndTheCommands() throws {
        var records: [MySQLCommandRecord] = []
        let d = decoder { records.append($0) }
        feed(d, S.packet(0, S.greeting(capabilities: 0x00ff_f7ff)), .serverToClient, 1)
        feed(d, S.packet(1, Self.login(user: "nova", database: "nova_api")), .clientToServer, 2)
        feed(d, S.packet(2, S.ok), .serverToClient, 3)
        feed(d, S.packet(0, [0x03] + Array("SELECT 1".utf8)), .clientToServer, 4)
        feed(d, S.packet(1, [1]) + S.packet(2, S.column("1", type: 8)) + S.packet(3, S.eof) + S.packet(4, [1, 0x31]) + S.packet(5, S.eof),
             .serverToClient, 5)
        feed(d, S.packet(0, [0x02] + Array("glance".utf8)), .clientToServer, 6)
        feed(d, S.packet(1, S.ok), .serverToClient, 7)
        try #require(records.map(\.commandName) == ["Connect", "Query", "Init DB"])
        #expect(records[0].user == "nova" && records[0].database == "nova_api" && records[0].connectionID == 77)
        #expect(records[0].result.kind == .ok && records[0].start == Timestamp(nanoseconds: 1))
        #expect(records[1].statement == "SELECT 1" && records[1].result.rowCount == 1)
        #expect(records[1].user == "nova" && records[1].connectionID == 77)
        #expect(d.database == "glance")
    }

    /// The greeting was before the capture, the login is its first packet: the login is read
    /// (user, database) and the capabilities the client asked for are taken as granted.
    @Test func aConnectionJoinedAtItsLoginReadsIt() throws {
        var records: [MySQLCommandRecord] = []
        let d = decoder { records.append($0) }
        feed(d, S.packet(1, Self.login(user: "glance", database: "glance")), .clientToServer, 1)
        feed(d, S.packet(2, S.ok), .serverToClient, 2)
        feed(d, S.packet(0, [0x03] + Array("COMMIT".utf8)), .clientToServer, 3)
        feed(d, S.packet(1, S.ok), .serverToClient, 4)
        try #require(records.map(\.commandName) == ["Connect", "Query"])
        #expect(records[0].user == "glance" && records[0].database == "glance" && records[0].connectionID == nil)
        #expect(records[1].statement == "COMMIT" && records[1].result.kind == .ok)
    }

    /// Mid-command-phase joins are unchanged: a server packet with sequence 0 and first byte 10
    /// (a row whose sequence wrapped) is not a greeting.
    @Test func aRowThatLooksLikeAGreetingIsNotOne() {
        let row: [UInt8] = S.packet(0, [10] + Array("0123456789".utf8))
        #expect(!row.withUnsafeBytes { MySQLConnectionDecoder.isGreetingPacket($0) })
        let greeting = S.packet(0, S.greeting(capabilities: 0x00ff_f7ff))
        #expect(greeting.withUnsafeBytes { MySQLConnectionDecoder.isGreetingPacket($0) })
        let login = S.packet(1, Self.login(user: "u", database: ""))
        #expect(login.withUnsafeBytes { MySQLConnectionDecoder.isHandshakeResponsePacket($0) })
        let query = S.packet(0, [0x03] + Array("SELECT 'a long enough statement to be 33 bytes'".utf8))
        #expect(!query.withUnsafeBytes { MySQLConnectionDecoder.isHandshakeResponsePacket($0) })
    }

    /// Item 7: a login the server never answered is a `Connect` row without response, as an
    /// unanswered HTTP request is an exchange without response (it produced no row before).
    @Test(arguments: [true, false])
    func anUnansweredLoginIsReported(sawHandshake: Bool) throws {
        var records: [MySQLCommandRecord] = []
        let d = SyntheticStreamTests().decoder(sawHandshake: sawHandshake) { records.append($0) }
        feed(d, S.packet(0, S.greeting(capabilities: 0x00ff_f7ff)), .serverToClient, 1)
        feed(d, S.packet(1, Self.login(user: "keystone", database: "keystone")), .clientToServer, 2)
        d.close(reason: .reset, statistics: ConnectionStatistics(), at: Timestamp(nanoseconds: 3))
        try #require(records.map(\.commandName) == ["Connect"])
        #expect(records[0].user == "keystone" && records[0].result.kind == .none && !records[0].isComplete)
        #expect(records[0].notes.contains { $0.contains("no answer to the login") })
    }

    /// Item 2: the command phase recognised by content, for a port followed without a greeting.
    @Test(arguments: [
        (S.packet(0, [0x16] + Array("select distinct count(*) from purchase_demand where chain_master=?".utf8)), FlowDirection.clientToServer, true),
        (S.packet(0, [0x03, 0x00, 0x01] + Array("SELECT version()".utf8)), .clientToServer, true),
        (S.packet(0, [0x03] + Array("SELECT 1".utf8)) + S.packet(0, [0x0e]), .clientToServer, true),
        (S.packet(0, [0x17] + S.le32(1) + [0] + S.le32(1) + [0, 1, 253, 0] + S.lenenc("x")), .clientToServer, true),
        (S.packet(0, [0x0e]), .clientToServer, true),
        (S.packet(0, [0x03] + [0x01, 0x02, 0x03, 0xff, 0x00]), .clientToServer, false),
        (Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), .clientToServer, false),
        ([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5], .clientToServer, false),
        (Array("SSH-2.0-OpenSSH_9.2\r\n".utf8), .clientToServer, false),
        (S.packet(1, S.ok), .serverToClient, true),
        (S.packet(1, [0xff, 0x1a, 0x04, 0x23] + Array("3D000No database selected".utf8)), .serverToClient, true),
        (S.packet(1, [2]) + S.packet(2, S.column("a", type: 8)) + S.packet(3, S.column("b", type: 8)), .serverToClient, true),
        (S.packet(1, [2]) + S.packet(5, S.column("a", type: 8)), .serverToClient, false),
        (Array("HTTP/1.1 200 OK\r\n\r\n".utf8), .serverToClient, false),
        (S.packet(0, S.ok), .serverToClient, false),
    ] as [([UInt8], FlowDirection, Bool)])
    func commandPhaseIsRecognisedByContent(bytes: [UInt8], direction: FlowDirection, isMySQL: Bool) {
        #expect(bytes.withUnsafeBytes { MySQLConnectionDecoder.looksLikeCommandPhase($0, direction: direction) } == isMySQL)
    }

    /// Random bytes almost never pass for a command or a response (a mid-body join of an upload
    /// on a followed port must stay HTTP).
    @Test func randomBytesAreNotTakenForMySQL() {
        var generator = SplitMix64(seed: 18)
        var accepted = 0
        for _ in 0..<5_000 {
            let bytes = (0..<1448).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            for direction in [FlowDirection.clientToServer, .serverToClient]
            where bytes.withUnsafeBytes({ MySQLConnectionDecoder.looksLikeCommandPhase($0, direction: direction) }) {
                accepted += 1
            }
        }
        #expect(accepted == 0)
    }
}
