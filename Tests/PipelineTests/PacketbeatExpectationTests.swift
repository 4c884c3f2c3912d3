import Analysis
import Foundation
@testable import Reports
import Testing
import Timeline

/// Packetbeat's system tests (`packetbeat/tests/system/test_0*.py`) on their captures: each
/// assertion they make about an event, stated here for glancetrace's rows. Packetbeat publishes
/// one event per Query (not per login, Ping or Quit) and, without `real_time`, no event for a
/// request still waiting; glancetrace lists every command and every exchange, so counts are
/// compared on the rows Packetbeat would publish.
struct PacketbeatExpectationTests {
    static func queries(_ result: AnalysisResult) -> [SQLFact] {
        result.sql.filter { $0.command == .query || $0.command == .stmtExecute }
    }

    static func method(_ fact: SQLFact) -> String {
        String(fact.statement.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }.prefix { $0.isLetter }).uppercased()
    }

    /// test_0067_mysql_connection_phase: a session captured from its greeting (no SYN) still
    /// yields its queries. The issue (item 1): bytes of the login were read as `Quit` and `Sleep`,
    /// and all five queries and the `Init DB` were lost; the login is reported with its user.
    @Test func mysqlConnectionPhaseWithoutSYN() throws {
        let result = try PeerFixture.named("packetbeat/mysql_connection.pcap").analyse()
        #expect(Self.queries(result).contains { $0.statement == "SELECT DATABASE()" })
        #expect(result.sql.map(\.command.name) == ["Connect", "Query", "Query", "Query", "Init DB", "Query", "Query", "Quit"])
        let login = try #require(result.sql.first)
        #expect(login.user == "root")
        #expect(login.threadID == 21)
        #expect(result.sql.allSatisfy { $0.threadID == 21 && $0.user == "root" })
        #expect(result.sql.last(where: { $0.command == .query })?.database == "test", "Init DB test switched the database")
    }

    /// test_0005_mysql_integration on port 13001: 157 queries (134 SELECT, 10 SHOW, 4 ALTER, 3 SET,
    /// 2 CREATE). The issue: only the login row was lost; with it, every row carries user,
    /// database and connection id.
    @Test func mysqlIntegrationOnPort13001() throws {
        let result = try PeerFixture.named("packetbeat/mysql_int_string_operations.pcap").analyse()
        let queries = Self.queries(result)
        #expect(queries.count == 157)
        let methods = Dictionary(grouping: queries, by: Self.method).mapValues(\.count)
        #expect(methods["SELECT"] == 134)
        #expect(methods["SHOW"] == 10)
        #expect(methods["ALTER"] == 4)
        #expect(methods["SET"] == 3)
        #expect(methods["CREATE"] == 2)
        #expect(result.sql.allSatisfy { $0.server.hasSuffix(":13001") })
        let login = try #require(result.sql.first)
        #expect(login.command == .connect)
        #expect(login.user == "root" && login.database == "test" && login.threadID == 53)
        #expect(queries.allSatisfy { $0.user == "root" && $0.database == "test" && $0.threadID == 53 })
    }

    /// test_0064_mysql_prepare_statement: Prepare and Execute on port 3307, captured mid-connection;
    /// the Execute is a SELECT whose first parameter is A1224638 and returns one row. The issue
    /// (item 2): `--port 3307` decoded it as HTTP and gave nothing.
    @Test(arguments: ["3307", "3307=mysql"])
    func mysqlPrepareStatementOnPort3307(port: String) throws {
        var fixture = PeerFixture.named("packetbeat/mysql_prepare_statement.pcap")
        fixture.ports = [port]
        let result = try fixture.analyse()
        #expect(result.sql.map(\.command.name) == ["Prepare", "Execute"])
        #expect(result.sql.allSatisfy { $0.server.hasSuffix(":3307") })
        let execute = try #require(result.sql.last)
        #expect(Self.method(execute) == "SELECT")
        #expect(execute.statement.contains("chain_master='A1224638'"))
        #expect(execute.outcome == .rows(1))
        #expect(result.http.isEmpty)
    }

    /// `--port N=http` decodes the port as HTTP whatever its bytes look like (tshark's `-d`):
    /// the same MySQL connection is then read as HTTP, and no SQL comes out.
    @Test func aPortGivenAProtocolIsDecodedAsThatProtocol() throws {
        var fixture = PeerFixture.named("packetbeat/mysql_prepare_statement.pcap")
        fixture.ports = ["3307=http"]
        let result = try fixture.analyse()
        #expect(result.sql.isEmpty)
    }

    /// test_0001_mysql_spaces: 7 query events, SET, ..., DROP, CREATE, ..., SELECT, all OK.
    @Test func mysqlWithWhitespaces() throws {
        let queries = Self.queries(try PeerFixture.named("packetbeat/mysql_with_whitespaces.pcap").analyse())
        #expect(queries.count == 7)
        guard queries.count == 7 else { return }
        #expect(Self.method(queries[0]) == "SET" && Self.method(queries[2]) == "DROP" && Self.method(queries[3]) == "CREATE")
        #expect(Self.method(queries[5]) == "SELECT")
        #expect(queries.allSatisfy { if case .error = $0.outcome { return false } else { return true } })
    }

    /// test_0027_mysql_affected_rows, test_0028_mysql_error, test_0017_mysql_long_result,
    /// test_0064_mysql_windows_lineending and test_0030_mysql_gap.
    @Test func mysqlResults() throws {
        let update = Self.queries(try PeerFixture.named("packetbeat/mysql_affected_rows.pcap").analyse())
        #expect(update.count == 1 && update.first.map(Self.method) == "UPDATE" && update.first?.outcome == .ok(affectedRows: 316))
        let error = Self.queries(try PeerFixture.named("packetbeat/mysql_err_database_not_selected.pcap").analyse())
        #expect(error.count == 1 && error.first.map(Self.method) == "SELECT")
        #expect(error.first?.outcome == .error(code: 1046, message: "No database selected") && error.first?.sqlstate == "3D000")
        let long = Self.queries(try PeerFixture.named("packetbeat/mysql_long_result.pcap").analyse())
        #expect(long.count == 1 && long.first?.outcome == .rows(15))
        let crlf = Self.queries(try PeerFixture.named("packetbeat/mysql_windows_lineending.pcap").analyse())
        #expect(crlf.count == 1 && crlf.first.map(Self.method) == "SELECT" && crlf.first?.outcome == .rows(1))
        let gap = Self.queries(try PeerFixture.named("packetbeat/mysql_with_gap.pcap").analyse())
        #expect(gap.count == 1 && gap.first.map(Self.method) == "SELECT")
        if case .rows(let rows) = gap.first?.outcome { #expect(rows > 1) } else { Issue.record("no rows: \(String(describing: gap.first?.outcome))") }
        #expect(gap.first?.complete == false, "Packetbeat: \"Packet loss while capturing the response\"")
    }

    /// test_0003_http_simple: three exchanges 192.168.1.104:54742 -> 192.168.1.110:80, OK, OK,
    /// Error, the server sending 1000, 234 and 396 bytes.
    @Test func httpMinitwit() throws {
        let result = try PeerFixture.named("packetbeat/http_minitwit.pcap").analyse()
        let exchanges = result.http.filter { $0.client == "192.168.1.104:54742" && $0.server == "192.168.1.110:80" }
        #expect(exchanges.map(\.status) == [200, 304, 404])
        #expect(exchanges.map(\.responseBytes) == [1000, 234, 396])
    }

    /// test_0023_http_params / test_0024_http_query: `GET /dashboard/transactions` with the query
    /// `input=packetbeat&src_ip=192.35.243.1`. The issue (item 8): no field carried the query.
    @Test func httpQueryString() throws {
        let result = try PeerFixture.named("packetbeat/http_url_params.pcap").analyse()
        #expect(result.http.count == 1)
        #expect(result.http.first?.path == "/dashboard/transactions")
        #expect(result.http.first?.query == "input=packetbeat&src_ip=192.35.243.1")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(AnalysisJSON.http(result).serialized().utf8)) as? [[String: Any]])
        #expect(json.first?["query"] as? String == "input=packetbeat&src_ip=192.35.243.1")
        // A POST's form body is not a query (Packetbeat puts its parameters in url.query).
        let post = try PeerFixture.named("packetbeat/http_post.pcap").analyse()
        #expect(post.http.first?.method == "POST" && post.http.first?.path == "/register" && post.http.first?.query == nil)
    }

    /// test_0010, test_0029, test_0065, test_0070.
    @Test func httpExchanges() throws {
        let close = try PeerFixture.named("packetbeat/http_10_connection_close.pcap").analyse()
        #expect(close.http.count == 1 && close.http.first?.status == 200)
        #expect(close.http.first?.client == "127.0.0.1:37885" && close.http.first?.server == "127.0.0.1:8000")
        let gap = try PeerFixture.named("packetbeat/gap_in_stream.pcap").analyse()
        #expect(gap.http.count == 1 && gap.http.first?.status == 200)
        #expect(gap.http.first?.notes.contains { $0.contains("missing from the response body") } == true)
        let unmatched = try PeerFixture.named("packetbeat/http_unmatched.pcap").analyse()
        #expect(unmatched.http.contains { $0.method == "-" && $0.status == 404 }, "Unmatched response")
        #expect(unmatched.http.contains { $0.method == "GET" && $0.status == 200 })
        #expect(!unmatched.timeline.anomalies.contains { $0.kind == .incompleteRequest })
        #expect(unmatched.timeline.anomalies.contains { $0.kind == .responseWithoutRequest })
        let timeout = try PeerFixture.named("packetbeat/http_unmatched_timeout.pcap").analyse()
        #expect(timeout.http.count == 1 && timeout.http.first?.method == "GET" && timeout.http.first?.path == "/something")
        #expect(timeout.http.first?.status == nil, "Unmatched request")
        let continued = try PeerFixture.named("packetbeat/http_100_continue.pcap").analyse()
        #expect(continued.http.count == 1, "one event for the request with Expect: 100-continue")
        #expect(continued.http.first?.status == 200)
    }
}
