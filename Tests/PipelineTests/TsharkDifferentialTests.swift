import Foundation
import MySQLDecoding
import TestSupport
import Testing
import Timeline

/// glancetrace against tshark on every peer capture (`Fixtures/peers`): the HTTP exchanges
/// (method, target, the status of the response tshark pairs with the request) and the MySQL
/// commands (command, text, login user) per TCP connection. Where they differ, the ledger
/// `Fixtures/peers/differences.tsv` must say so and say who is right; a new difference, or one
/// the ledger lists that no longer happens, fails the test. The listing is printed either way.
@Suite(.enabled(if: TsharkRows.installed, "tshark is not installed"))
struct TsharkDifferentialTests {
    @Test func glancetraceAndTsharkDifferOnlyWhereTheLedgerSays() async throws {
        let fixtures = PeerFixture.all
        // tshark spends most of its ~0.9 s starting up, mostly waiting: several at a time.
        let tsharkRows = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            var rows = [[String]](repeating: [], count: fixtures.count)
            var next = 0
            func add(_ index: Int) { group.addTask { (index, try TsharkRows.rows(of: fixtures[index])) } }
            while next < min(4, fixtures.count) { add(next); next += 1 }
            while let (index, result) = try await group.next() {
                rows[index] = result
                if next < fixtures.count { add(next); next += 1 }
            }
            return rows
        }
        var computed = Set<PeerDifference>()
        var listing = ""
        for (fixture, tshark) in zip(fixtures, tsharkRows) {
            let result = try fixture.analyse()
            let ours = fixture.decodedProtocol == "mysql" ? DecodedRows.mysql(result) : DecodedRows.http(result)
            let (onlyTshark, onlyOurs) = DecodedRows.countedDifference(tshark, ours)
            #expect(!tshark.isEmpty || !ours.isEmpty || TsharkRows.neitherDecodes.contains(fixture.name), "\(fixture): neither decoded anything")
            for line in onlyTshark {
                computed.insert(PeerDifference(oracle: "tshark", fixture: fixture.name, difference: "tshark only: \(line)"))
            }
            for line in onlyOurs {
                computed.insert(PeerDifference(oracle: "tshark", fixture: fixture.name, difference: "glancetrace only: \(line)"))
            }
            listing += "\(fixture.name): \(ours.count) rows, \(tshark.count) from tshark, "
                + "\(onlyTshark.count + onlyOurs.count) differ\n"
        }
        let (ledger, unjudged) = try PeerDifference.ledger(oracle: "tshark")
        print("glancetrace vs tshark on \(fixtures.count) peer captures:\n" + listing
              + computed.sorted { ($0.fixture, $0.difference) < ($1.fixture, $1.difference) }.map { "  \($0.fixture): \($0.difference)" }
                  .joined(separator: "\n"))
        #expect(unjudged.isEmpty, "ledger lines without a verdict:\n\(unjudged.joined(separator: "\n"))")
        for difference in computed.subtracting(ledger).sorted(by: { $0.ledgerLine < $1.ledgerLine }) {
            Issue.record("a difference the ledger does not judge:\n\(difference.ledgerLine)")
        }
        for difference in ledger.subtracting(computed).sorted(by: { $0.ledgerLine < $1.ledgerLine }) {
            Issue.record("the ledger lists a difference that no longer happens:\n\(difference.ledgerLine)")
        }
    }
}

/// tshark's view of a capture as `DecodedRows` lines.
enum TsharkRows {
    static let installed = (try? ExternalTool.runIfInstalled("tshark", ["--version"])) != nil
    /// Captures neither tool decodes, so that the comparison is not empty by mistake elsewhere:
    /// MySQL in TLS without keys, and HTTP/0.9 (a request line without version, a response
    /// without status line), which only Zeek reads (see the ledger's Zeek lines).
    static let neitherDecodes: Set<String> = ["zeek/mysql/encrypted.pcap", "zeek/http/no-version.pcap", "zeek/http/http_09.pcap"]
    static let fields = ["frame.number", "tcp.stream", "http.request.method", "http.request.uri", "http.response.code",
                         "http.request_in", "mysql.command", "mysql.query", "mysql.schema", "mysql.table_name", "mysql.user"]
    /// Between several values of one field in one frame (pipelined messages): not in any text.
    static let aggregator = "\u{1}"

    static func rows(of fixture: PeerFixture) throws -> [String] {
        var arguments = ["-n", "-r", fixture.path, "-Y", "http.request || http.response || mysql.command || mysql.user",
                         "-T", "fields", "-E", "separator=/t", "-E", "aggregator=\(aggregator)"]
        for port in fixture.tsharkPorts {
            arguments += ["-d", "tcp.port==\(port.split(separator: "=")[0]),\(fixture.decodedProtocol)"]
        }
        for field in fields { arguments += ["-e", field] }
        guard let run = try ExternalTool.runIfInstalled("tshark", arguments), run.status == 0 else { return ["tshark failed"] }
        let output = run.output
        return fixture.decodedProtocol == "mysql" ? mysql(output) : http(output)
    }

    private static func frames(_ output: String) -> [[String: [String]]] {
        output.split(separator: "\n").map { line in
            let values = line.split(separator: "\t", omittingEmptySubsequences: false)
            var frame: [String: [String]] = [:]
            for (field, value) in zip(fields, values) where !value.isEmpty {
                frame[field] = value.components(separatedBy: aggregator)
            }
            return frame
        }
    }

    /// Requests with the status of the response tshark pairs them with (`http.request_in`);
    /// responses it pairs with no request as `- -`.
    static func http(_ output: String) -> [String] {
        let all = frames(output)
        var responsesByRequestFrame: [String: [String]] = [:]
        var rows: [String] = []
        for frame in all {
            guard let codes = frame["http.response.code"], let stream = frame["tcp.stream"]?.first else { continue }
            let requests = frame["http.request_in"] ?? []
            for (index, code) in codes.enumerated() {
                // Several responses in one frame with fewer requests: tshark pairs the first ones
                // in order, so the values line up from the start.
                if index < requests.count {
                    responsesByRequestFrame[requests[index], default: []].append(code)
                } else {
                    rows.append("conn \(stream): - - -> \(code)")
                }
            }
        }
        for frame in all {
            guard let methods = frame["http.request.method"], let stream = frame["tcp.stream"]?.first,
                  let number = frame["frame.number"]?.first else { continue }
            let uris = frame["http.request.uri"] ?? []
            var codes = responsesByRequestFrame[number] ?? []
            for (index, method) in methods.enumerated() {
                let uri = index < uris.count ? originForm(uris[index], method: method) : "?"
                let code = codes.isEmpty ? "none" : codes.removeFirst()
                rows.append("conn \(stream): \(method) \(uri) -> \(code)")
            }
        }
        return rows
    }

    /// glancetrace reports an absolute-form target's path and query (`http://h/p?q` as `/p?q`).
    static func originForm(_ uri: String, method: String) -> String {
        guard !uri.hasPrefix("/"), method != "CONNECT", let scheme = uri.range(of: "://") else { return uri }
        let rest = uri[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        return String(rest[slash...])
    }

    /// Commands with their text (statement, schema or table), the login as `Connect: user=`.
    static func mysql(_ output: String) -> [String] {
        var rows: [String] = []
        for frame in frames(output) {
            guard let stream = frame["tcp.stream"]?.first else { continue }
            guard let commands = frame["mysql.command"] else {
                for user in frame["mysql.user"] ?? [] { rows.append("conn \(stream): Connect: user=\(user)") }
                continue
            }
            var queries = frame["mysql.query"] ?? [], schemas = frame["mysql.schema"] ?? [], tables = frame["mysql.table_name"] ?? []
            for code in commands {
                guard let byte = UInt8(code) else { continue }
                let name = MySQLCommand(rawValue: byte).name
                var text = ""
                switch byte {
                case 0x03, 0x16: text = queries.isEmpty ? "" : queries.removeFirst()
                case 0x02: text = schemas.isEmpty ? "" : schemas.removeFirst()
                case 0x04: text = tables.isEmpty ? "" : tables.removeFirst()
                default: break
                }
                // tshark's field output already escapes line breaks.
                rows.append("conn \(stream): " + DecodedRows.mysqlText(command: name, statement: text, user: nil, escaped: false))
            }
        }
        return rows
    }
}
