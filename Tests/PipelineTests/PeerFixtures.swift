import Analysis
import Foundation
import TestSupport
import Timeline

/// The other projects' test captures kept in `Fixtures/peers` (see its README): where each one
/// came from, and the ports the peer's own test configured (Packetbeat follows configured ports;
/// Zeek finds protocols by content, as glancetrace does on ports it does not watch).
struct PeerFixture: CustomStringConvertible, Sendable {
    enum Peer: String, Sendable { case packetbeat, zeek }

    /// Path under `Fixtures/peers`.
    var name: String
    var peer: Peer
    /// `--port` arguments for glancetrace (`N` or `N=mysql`), as the peer's test configured them.
    var ports: [String] = []
    /// Ports tshark is told to decode (`-d tcp.port==N,http|mysql`): the peer's ports, and those
    /// glancetrace and Zeek find by content but tshark does not.
    var tsharkPorts: [String] = []

    var description: String { name }
    var path: String { ProjectPaths.fixture("peers/\(name)") }

    /// The Zeek baseline expectation (`*.http.tsv` / `*.mysql.tsv`, from `extract_baselines.sh`), if any.
    var zeekExpectation: String? {
        guard peer == .zeek else { return nil }
        let base = name.replacingOccurrences(of: ".pcap.gz", with: "").replacingOccurrences(of: ".pcap", with: "")
        let kind = name.hasPrefix("zeek/mysql/") ? "mysql" : "http"
        let file = ProjectPaths.fixture("peers/\(base).\(kind).tsv")
        return FileManager.default.fileExists(atPath: file) ? file : nil
    }

    static func packetbeat(_ file: String, _ ports: String...) -> PeerFixture {
        PeerFixture(name: "packetbeat/\(file)", peer: .packetbeat, ports: ports, tsharkPorts: ports)
    }

    static func zeek(_ file: String, tshark: [String] = []) -> PeerFixture {
        PeerFixture(name: "zeek/\(file)", peer: .zeek, tsharkPorts: tshark)
    }

    /// Which protocol the fixture is about (for tshark's decode-as).
    var decodedProtocol: String { name.contains("mysql") ? "mysql" : "http" }

    static let all: [PeerFixture] = [
        .packetbeat("mysql_connection.pcap"),
        .packetbeat("mysql_prepare_statement.pcap", "3307"),
        .packetbeat("mysql_int_string_operations.pcap", "13001"),
        .packetbeat("mysql_affected_rows.pcap"),
        .packetbeat("mysql_err_database_not_selected.pcap"),
        .packetbeat("mysql_windows_lineending.pcap"),
        .packetbeat("mysql_with_whitespaces.pcap"),
        .packetbeat("mysql_long_result.pcap"),
        .packetbeat("mysql_with_gap.pcap"),
        .packetbeat("http_minitwit.pcap", "80"),
        .packetbeat("http_10_connection_close.pcap", "8000"),
        .packetbeat("http_basicauth.pcap", "80"),
        .packetbeat("http_post.pcap", "80"),
        .packetbeat("http_url_params.pcap", "80"),
        .packetbeat("gap_in_stream.pcap", "8000"),
        .packetbeat("http_unmatched.pcap", "8080"),
        .packetbeat("http_unmatched_timeout.pcap", "8080"),
        .packetbeat("http_100_continue.pcap", "9200"),
        .packetbeat("http_over_vlan.pcap", "8080"),
        .zeek("http/1000-requests-one-dropped-response.pcap.gz"),
        .zeek("http/zero-length-bodies-with-drops.pcap"),
        .zeek("http/pipelined-requests.pcap"),
        .zeek("http/http-lower-case.pcap"),
        .zeek("http/http-lower-case-nonstandard-port.pcap", tshark: ["1234"]),
        .zeek("http/query-method.pcap"),
        .zeek("http/query-method-non-standard-port.pcap", tshark: ["4711"]),
        .zeek("http/connect-with-smtp.pcap", tshark: ["8240"]),
        .zeek("http/get.pcap"),
        .zeek("http/http-desync-request-response-5.pcap"),
        .zeek("http/no-version.pcap"),
        .zeek("http/http_09.pcap"),
        .zeek("http/http-bad-request-with-version.pcap"),
        .zeek("http/fake-content-length.pcap"),
        .zeek("http/x-gzip.pcap"),
        .zeek("http/version-mismatch.pcap"),
        .zeek("mysql/mysql.pcap"),
        .zeek("mysql/auth.pcap"),
        .zeek("mysql/change-user-success.pcap"),
        .zeek("mysql/change-user-error.pcap"),
        .zeek("mysql/encrypted.pcap"),
        .zeek("mysql/mysql-9.0.0-query-attributes.pcap"),
        .zeek("mysql/caching_sha2_password.pcap"),
        .zeek("mysql/many-query-attrs.pcap"),
    ]

    static func named(_ name: String) -> PeerFixture {
        all.first { $0.name == name } ?? PeerFixture(name: name, peer: name.hasPrefix("zeek/") ? .zeek : .packetbeat)
    }

    /// glancetrace's analysis of the capture, with the fixture's ports.
    func analyse() throws -> AnalysisResult {
        var options = CaptureAnalysis.Options()
        for port in ports {
            let parts = port.split(separator: "=")
            guard let number = UInt16(parts[0]) else { continue }
            options.watchedPorts.insert(number)
            if parts.count == 2, let given = PortProtocol(rawValue: String(parts[1])) { options.portProtocols[number] = given }
        }
        options.hashUploads = false
        return try CaptureAnalysis(options: options).run(paths: [path])
    }
}

/// One line of `Fixtures/peers/differences.tsv`: a place where glancetrace and a peer (tshark,
/// or a peer's own expectation) disagree on a fixture, who is right and why.
struct PeerDifference: Hashable {
    var oracle: String
    var fixture: String
    var difference: String

    /// The ledger's entries for one oracle, as (fixture, difference) pairs; verdicts are checked
    /// to be filled in.
    static func ledger(oracle: String) throws -> (entries: Set<PeerDifference>, unjudged: [String]) {
        let text = try String(contentsOfFile: ProjectPaths.fixture("peers/differences.tsv"), encoding: .utf8)
        var entries = Set<PeerDifference>()
        var unjudged: [String] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 5, fields[0] == oracle else { continue }
            entries.insert(PeerDifference(oracle: fields[0], fixture: fields[1], difference: fields[2]))
            if !["glancetrace", fields[0], "neither", "both"].contains(fields[3]) || fields[4].isEmpty { unjudged.append(String(line)) }
        }
        return (entries, unjudged)
    }

    var ledgerLine: String { "\(oracle)\t\(fixture)\t\(difference)\t?\t?" }
}

/// Comparable one-line views of what glancetrace decoded.
enum DecodedRows {
    /// `conn N: METHOD TARGET -> STATUS` per HTTP exchange (target as sent: path and query).
    static func http(_ result: AnalysisResult, connections: Bool = true) -> [String] {
        result.http.map { fact in
            let target = fact.method == "-" ? "-" : fact.path + (fact.query.map { "?" + $0 } ?? "")
            let status = fact.status.map(String.init) ?? (fact.responseBytes > 0 ? "unreadable" : "none")
            return (connections ? "conn \(fact.connection): " : "") + "\(fact.method) \(target) -> \(status)"
        }
    }

    /// `conn N: Command: text` per MySQL command; the login as `Connect: user=NAME`. Text is kept
    /// for the commands tshark shows text of, with line breaks written as tshark writes them.
    static func mysql(_ result: AnalysisResult) -> [String] {
        result.sql.map { fact in
            "conn \(fact.connection): " + mysqlText(command: fact.command.name, statement: fact.statement, user: fact.user)
        }
    }

    static func mysqlText(command: String, statement: String, user: String?, escaped: Bool = true) -> String {
        switch command {
        case "Connect": return "Connect: user=\(user ?? "")"
        case "Query", "Prepare", "Init DB", "Field List": return "\(command): \(escaped ? tsharkEscaped(statement) : statement)"
        default: return command
        }
    }

    static func tsharkEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\t", with: "\\t")
    }

    /// Lines in `a` missing from `b` and the reverse, as multisets, sorted; a line missing
    /// several times once, with the count (`line (3 times)`).
    static func countedDifference(_ a: [String], _ b: [String]) -> (onlyA: [String], onlyB: [String]) {
        func counted(_ lines: [String]) -> [String] {
            var counts: [String: Int] = [:]
            for line in lines { counts[line, default: 0] += 1 }
            return counts.sorted { $0.key < $1.key }.map { $0.value == 1 ? $0.key : "\($0.key) (\($0.value) times)" }
        }
        let (onlyA, onlyB) = difference(a, b)
        return (counted(onlyA), counted(onlyB))
    }

    /// Lines in `a` missing from `b` and the reverse, as multisets, sorted.
    static func difference(_ a: [String], _ b: [String]) -> (onlyA: [String], onlyB: [String]) {
        var counts: [String: Int] = [:]
        for line in a { counts[line, default: 0] += 1 }
        for line in b { counts[line, default: 0] -= 1 }
        var onlyA: [String] = [], onlyB: [String] = []
        for (line, count) in counts.sorted(by: { $0.key < $1.key }) {
            if count > 0 { onlyA += Array(repeating: line, count: count) }
            if count < 0 { onlyB += Array(repeating: line, count: -count) }
        }
        return (onlyA, onlyB)
    }
}
