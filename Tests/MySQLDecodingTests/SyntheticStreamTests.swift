import CaptureIO
import Reassembly
import Testing
@testable import MySQLDecoding

/// Hand-built packets for cases no recorded client produces: TLS, remembered parameter types,
/// joining a connection mid-way, cursors.
struct SyntheticStreamTests {
    final class Collector: StreamConsumer {
        var bytes: [FlowDirection: [UInt8]] = [:]
        var closed = false
        func receive(_ b: UnsafeRawBufferPointer, direction: FlowDirection, at time: Timestamp) {
            bytes[direction, default: []].append(contentsOf: b)
        }
        func gap(_ count: Int, direction: FlowDirection, at time: Timestamp) {}
        func close(reason: CloseReason, statistics: ConnectionStatistics, at time: Timestamp) { closed = true }
    }

    static func packet(_ seq: UInt8, _ payload: [UInt8]) -> [UInt8] {
        [UInt8(payload.count & 0xff), UInt8(payload.count >> 8 & 0xff), UInt8(payload.count >> 16), seq] + payload
    }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(v >> (8 * $0) & 0xff) } }
    static func lenenc(_ s: String) -> [UInt8] { [UInt8(s.utf8.count)] + Array(s.utf8) }
    static func column(_ name: String, type: UInt8, flags: UInt16 = 0) -> [UInt8] {
        lenenc("def") + lenenc("db") + lenenc("t") + lenenc("t") + lenenc(name) + lenenc(name)
            + [0x0c, 0x21, 0x00] + le32(11) + [type, UInt8(flags & 0xff), UInt8(flags >> 8), 0, 0, 0]
    }
    static let ok: [UInt8] = [0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00]
    static let eof: [UInt8] = [0xfe, 0x00, 0x00, 0x02, 0x00]

    static func greeting(capabilities: UInt32) -> [UInt8] {
        var p: [UInt8] = [10] + Array("8.0.36".utf8) + [0] + le32(77) + Array(repeating: 0x41, count: 8) + [0]
        p += [UInt8(capabilities & 0xff), UInt8(capabilities >> 8 & 0xff), 0xff, 0x02, 0x00]
        p += [UInt8(capabilities >> 16 & 0xff), UInt8(capabilities >> 24), 21] + Array(repeating: 0, count: 10)
        p += Array(repeating: 0x42, count: 12) + [0] + Array("caching_sha2_password".utf8) + [0]
        return p
    }

    func decoder(sawHandshake: Bool, _ sink: @escaping (MySQLCommandRecord) -> Void) -> MySQLConnectionDecoder {
        let info = ConnectionInfo(index: 4, client: .init(address: .init(ipv4: 0x0a00_0001), port: 40000),
                                  server: .init(address: .init(ipv4: 0x0a00_0002), port: 3306),
                                  firstSeen: .zero, sawHandshake: sawHandshake)
        return MySQLConnectionDecoder(connection: info, onCommand: sink)
    }

    func feed(_ d: MySQLConnectionDecoder, _ bytes: [UInt8], _ direction: FlowDirection, _ t: Int64) {
        bytes.withUnsafeBytes { d.receive($0, direction: direction, at: Timestamp(nanoseconds: t)) }
    }

    @Test func sslRequestHandsTheConnectionToTLS() {
        var records: [MySQLCommandRecord] = []
        let d = decoder(sawHandshake: true) { records.append($0) }
        let tls = Collector()
        var announced = 0
        d.tlsConsumer = tls
        d.onTLS = { _ in announced += 1 }
        let caps: UInt32 = 0x00ff_f7ff | 1 << 11
        feed(d, Self.packet(0, Self.greeting(capabilities: caps)), .serverToClient, 1)
        let clientCaps: UInt32 = 1 << 9 | 1 << 11 | 1 << 15 | 1 << 19
        let sslRequest = Self.le32(clientCaps) + Self.le32(1 << 24) + [45] + Array(repeating: 0, count: 23)
        let hello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]
        feed(d, Self.packet(1, sslRequest) + hello, .clientToServer, 2)
        feed(d, [0x16, 0x03, 0x03], .serverToClient, 3)
        d.close(reason: .fin, statistics: ConnectionStatistics(), at: Timestamp(nanoseconds: 4))
        #expect(d.isTLS && announced == 1)
        #expect(d.facts.serverVersion == "8.0.36" && d.facts.connectionID == 77)
        #expect(tls.bytes[.clientToServer] == hello && tls.bytes[.serverToClient] == [0x16, 0x03, 0x03] && tls.closed)
        #expect(records.isEmpty)
    }

    /// Mid-connection: the first client bytes are checked for a command header; an Execute with
    /// new-params-bound = 0 reuses the types of the previous Execute.
    @Test func joinsMidwayAndRemembersParameterTypes() throws {
        var records: [MySQLCommandRecord] = []
        let d = decoder(sawHandshake: false) { records.append($0) }
        // The tail of an earlier response, the tail of a command and its whole response, then a Prepare.
        feed(d, [0x05, 0x00, 0x00, 0x07, 0xfe], .serverToClient, 1)
        feed(d, [0x33, 0x00, 0x00], .clientToServer, 1)
        feed(d, Self.packet(1, Self.ok), .serverToClient, 2)
        feed(d, Self.packet(0, [0x16] + Array("SELECT ? AS a, ? AS b".utf8)), .clientToServer, 3)
        var response = Self.packet(1, [0x00] + Self.le32(9) + [2, 0, 2, 0, 0, 0, 0])
        response += Self.packet(2, Self.column("?", type: 253)) + Self.packet(3, Self.column("?", type: 253)) + Self.packet(4, Self.eof)
        response += Self.packet(5, Self.column("a", type: 8)) + Self.packet(6, Self.column("b", type: 253)) + Self.packet(7, Self.eof)
        feed(d, response, .serverToClient, 4)
        // Execute #1: types LONGLONG, VAR_STRING; values 7, 'x'.
        let exec1: [UInt8] = [0x17] + Self.le32(9) + [0] + Self.le32(1) + [0x00, 1, 8, 0, 253, 0]
            + [7, 0, 0, 0, 0, 0, 0, 0] + Self.lenenc("x")
        feed(d, Self.packet(0, exec1), .clientToServer, 5)
        let rows = Self.packet(1, [2]) + Self.packet(2, Self.column("a", type: 8)) + Self.packet(3, Self.column("b", type: 253))
            + Self.packet(4, Self.eof) + Self.packet(5, [0x00, 0x00, 7, 0, 0, 0, 0, 0, 0, 0] + Self.lenenc("x")) + Self.packet(6, Self.eof)
        feed(d, rows, .serverToClient, 6)
        // Execute #2: new-params-bound = 0, second parameter NULL.
        let exec2: [UInt8] = [0x17] + Self.le32(9) + [0] + Self.le32(1) + [0x02, 0] + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        feed(d, Self.packet(0, exec2), .clientToServer, 7)
        let rows2 = Self.packet(1, [2]) + Self.packet(2, Self.column("a", type: 8)) + Self.packet(3, Self.column("b", type: 253))
            + Self.packet(4, Self.eof) + Self.packet(5, [0x00, 0x08] + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) + Self.packet(6, Self.eof)
        feed(d, rows2, .serverToClient, 8)
        // Close stmt, then a COM_STMT_FETCH-free cursor: Execute with CURSOR_TYPE_READ_ONLY.
        feed(d, Self.packet(0, [0x19] + Self.le32(9)), .clientToServer, 9)

        try #require(records.map(\.commandName) == ["Prepare", "Execute", "Execute", "Close stmt"])
        #expect(d.unpairedServerPackets == 1)
        #expect(records[0].statementID == 9 && records[0].result.preparedParameterCount == 2)
        #expect(records[1].statement == "SELECT 7 AS a, 'x' AS b")
        #expect(records[1].result.rows == [["a": "7", "b": "x"]])
        #expect(records[2].statement == "SELECT -1 AS a, NULL AS b")
        #expect(records[2].result.rows.first?["a"] == "-1")
        #expect(records[2].result.rows.first?["b"] == .some(nil))
        #expect(records.allSatisfy { $0.connectionID == nil && $0.isComplete })
        #expect(records[1].start == Timestamp(nanoseconds: 5) && records[1].end == Timestamp(nanoseconds: 6))
    }

    @Test func cursorAndFetch() throws {
        var records: [MySQLCommandRecord] = []
        let d = decoder(sawHandshake: false) { records.append($0) }
        feed(d, Self.packet(0, [0x16] + Array("SELECT n FROM t".utf8)), .clientToServer, 1)
        feed(d, Self.packet(1, [0x00] + Self.le32(3) + [1, 0, 0, 0, 0, 0, 0]) + Self.packet(2, Self.column("n", type: 3))
             + Self.packet(3, Self.eof), .serverToClient, 2)
        feed(d, Self.packet(0, [0x17] + Self.le32(3) + [1] + Self.le32(1)), .clientToServer, 3)
        // Columns, then EOF with SERVER_STATUS_CURSOR_EXISTS: no rows yet.
        feed(d, Self.packet(1, [1]) + Self.packet(2, Self.column("n", type: 3)) + Self.packet(3, [0xfe, 0, 0, 0x42, 0]),
             .serverToClient, 4)
        feed(d, Self.packet(0, [0x1c] + Self.le32(3) + Self.le32(2)), .clientToServer, 5)
        feed(d, Self.packet(1, [0x00, 0x00] + Self.le32(5)) + Self.packet(2, [0x00, 0x00] + Self.le32(6))
             + Self.packet(3, [0xfe, 0, 0, 0x82, 0]), .serverToClient, 6)
        try #require(records.map(\.commandName) == ["Prepare", "Execute", "Fetch"])
        #expect(records[1].result.rowCount == 0 && records[1].isComplete)
        #expect(records[2].result.rows == [["n": "5"], ["n": "6"]] && records[2].statementID == 3)
    }

    @Test func statementCapIsKeptAndCounted() throws {
        var records: [MySQLCommandRecord] = []
        let info = ConnectionInfo(index: 0, client: .init(address: .init(ipv4: 1), port: 1),
                                  server: .init(address: .init(ipv4: 2), port: 3306), firstSeen: .zero, sawHandshake: false)
        let d = MySQLConnectionDecoder(connection: info, configuration: MySQLDecoderConfiguration(maxStatementBytes: 100)) {
            records.append($0)
        }
        let text = "SELECT '" + String(repeating: "q", count: 5000) + "'"
        feed(d, Self.packet(0, [0x03] + Array(text.utf8)), .clientToServer, 1)
        feed(d, Self.packet(1, Self.ok), .serverToClient, 2)
        try #require(records.count == 1)
        #expect(records[0].statement.utf8.count == 100 && records[0].statementBytes == text.utf8.count)
        #expect(records[0].notes.contains { $0.contains("cut") })
    }

    @Test func binderSkipsQuotesAndComments() {
        let text = "SELECT '?', \"?\", `?` /* ? */ -- ?\n, ?, # ?\n ?"
        #expect(MySQLStatementBinder.bind(text, parameters: ["1", "'two'"], limit: 1000)
                == "SELECT '?', \"?\", `?` /* ? */ -- ?\n, 1, # ?\n 'two'")
    }

    /// Kill, Set option (answered by EOF) and a session-state schema change (CLIENT_SESSION_TRACK).
    @Test func killSetOptionAndSessionSchema() throws {
        var records: [MySQLCommandRecord] = []
        let d = decoder(sawHandshake: true) { records.append($0) }
        let caps: UInt32 = 1 << 9 | 1 << 15 | 1 << 19 | 1 << 23 | 1 << 3
        feed(d, Self.packet(0, Self.greeting(capabilities: caps)), .serverToClient, 1)
        let response = Self.le32(caps) + Self.le32(1 << 24) + [45] + Array(repeating: 0, count: 23)
            + Array("app".utf8) + [0, 2, 0xaa, 0xbb] + Array("first".utf8) + [0] + Array("mysql_native_password".utf8) + [0]
        feed(d, Self.packet(1, response), .clientToServer, 2)
        feed(d, Self.packet(2, Self.ok), .serverToClient, 3)
        feed(d, Self.packet(0, [0x0c] + Self.le32(1234)), .clientToServer, 4)
        feed(d, Self.packet(1, Self.ok), .serverToClient, 5)
        feed(d, Self.packet(0, [0x1b, 0x00, 0x00]), .clientToServer, 6)
        feed(d, Self.packet(1, Self.eof), .serverToClient, 7)
        feed(d, Self.packet(0, [0x03] + Array("USE second".utf8)), .clientToServer, 8)
        // OK: affected 0, insert id 0, status SESSION_STATE_CHANGED, warnings 0, info "", state: schema "second".
        let state: [UInt8] = [0x01, 0x07, 0x06] + Array("second".utf8)
        feed(d, Self.packet(1, [0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, UInt8(state.count)] + state), .serverToClient, 9)
        feed(d, Self.packet(0, [0x0e]), .clientToServer, 10)
        feed(d, Self.packet(1, Self.ok), .serverToClient, 11)
        try #require(records.map(\.commandName) == ["Connect", "Kill", "Set option", "Query", "Ping"])
        #expect(records[0].statement == "app@10.0.0.1 on first using TCP/IP" && records[0].connectionID == 77)
        #expect(d.facts.authPlugin == "mysql_native_password" && d.facts.user == "app")
        #expect(records[1].statement == "1234" && records[1].result.kind == .ok)
        #expect(records[2].statement == "MYSQL_OPTION_MULTI_STATEMENTS_ON" && records[2].result.kind == .ok)
        #expect(records[3].result.sessionStateChanges == [MySQLSessionStateChange(type: 1, name: "schema", value: "second")])
        #expect(records[3].database == "first" && records[4].database == "second")
        #expect(records.allSatisfy { $0.connectionIndex == 4 && $0.server.port == 3306 })
    }
}
