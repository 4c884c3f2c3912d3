import CaptureIO
import Foundation
import PacketDecoding
import Reassembly
import TestSupport
import Testing
@testable import MySQLDecoding

#if canImport(Glibc)
import Glibc
#endif

/// A real MariaDB, started for the test on 127.0.0.1 and a free port, driven by real clients
/// (PyMySQL, mysql-connector-python's prepared cursor, the mariadb CLI) while tcpdump captures
/// loopback (`Fixtures/mysql/record_fixtures.sh OUT`). Each capture goes through the same stages
/// as the CLI (capture reader, packet decoder, TCP reassembler, MySQL decoder), and every command
/// of the server's general query log must come out with the same command and text, in order,
/// per connection. Needs root, mariadb-server, tcpdump and a python3 with pymysql and
/// mysql.connector; without them it prints what is missing and passes (the committed fixtures
/// cover the decoder there). `GT_SKIP_LIVE_MYSQL=1` skips it on purpose.
struct LiveServerTests {
    /// Everything the recorder covers, plus "rows" (a 50,000-row result set). "large" sends a
    /// 17 MiB blob in a 34 MB statement and reads it back: packets over 16 MB.
    static let scenarios = ["prepared", "text", "large", "compressed", "deprecate_eof", "cli", "rows"]

    @Test func decodedCommandsEqualTheGeneralLog() throws {
        guard let python = Self.missingPrerequisites() else { return }
        guard let port = Self.freePort() else {
            Issue.record("no free TCP port on 127.0.0.1")
            return
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gt-mysql-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // A recording that decodes to nothing is kept for a look (the failure names its folder).
        var keep = false
        defer { if !keep { try? FileManager.default.removeItem(at: out) } }

        let clock = ContinuousClock()
        let started = clock.now
        let status = Self.record(into: out, port: port, python: python)
        let recorded = clock.now
        guard status == 0 else {
            let log = (try? String(contentsOf: out.appendingPathComponent("recorder.log"), encoding: .utf8)) ?? ""
            let outcome = status.map { "exited with \($0)" } ?? "timed out after 240 s"
            Issue.record("record_fixtures.sh \(outcome):\n\(log.suffix(3000))")
            return
        }

        // Whole statements (the 34 MB literal too), so the comparison is exact.
        let configuration = MySQLDecoderConfiguration(maxStatementBytes: 64 << 20)
        var total = 0
        for scenario in Self.scenarios {
            let log = try GeneralLog(contentsOf: out.appendingPathComponent("\(scenario).general.log"))
            let (records, tcp) = try Self.decode(out.appendingPathComponent("\(scenario).pcap").path,
                                                 port: port, configuration: configuration)
            #expect(tcp.gaps == 0 && tcp.missingBytes == 0, "\(scenario): the capture lost packets (\(tcp.missingBytes) bytes)")
            if records.isEmpty && !log.entries.isEmpty {
                // Seen once under heavy load (0 records on every scenario after the first); the
                // totals tell a capture without the connection from a decoder that missed it.
                keep = true
                let path = out.appendingPathComponent("\(scenario).pcap").path
                let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
                let message = "\(scenario): no command decoded; capture \(size) bytes, \(tcp.connections) connections, "
                    + "\(tcp.followedConnections) followed, port \(port); kept in \(out.path)"
                Issue.record("\(message)")
            }
            RecordedFixtureTests.compare(records, with: log, scenario: scenario)
            for record in records where record.command != .quit {
                // Every connection began inside its capture: the handshake gave the thread id.
                #expect(record.connectionID != nil, "\(scenario): \(record.commandName) on a connection without handshake")
                #expect(record.isComplete, "\(scenario): \(record.commandName) \(record.statement.prefix(60)) \(record.notes)")
                if record.command == .query || record.command == .stmtPrepare {
                    #expect(record.statementBytes == record.statement.utf8.count, "\(scenario): statement cut")
                }
            }
            Self.checkResults(scenario, records)
            total += log.entries.count
        }
        print("LiveServerTests: \(total) logged commands matched over \(Self.scenarios.count) scenarios; "
              + "recording \(recorded - started), decoding \(clock.now - recorded)")
    }

    /// Results the clients know independently of the log: row counts and the blob's length.
    static func checkResults(_ scenario: String, _ records: [MySQLCommandRecord]) {
        func query(_ prefix: String) -> MySQLCommandRecord? {
            records.first { $0.command == .query && $0.statement.hasPrefix(prefix) }
        }
        switch scenario {
        case "rows":
            #expect(query("SELECT seq, CONCAT")?.result.rowCount == 50_000)
        case "large":
            let blobBytes = 17 * 1024 * 1024 + 5
            #expect(query("INSERT INTO blobs")?.result.affectedRows == 1)
            #expect(query("SELECT id, LENGTH(data)")?.result.rows.first?["len"] == .some("\(blobBytes)"))
            #expect(query("SELECT data FROM blobs")?.result.rowCount == 1)
        case "text":
            #expect(query("SELECT seq FROM seq_1_to_250")?.result.rowCount == 250)
            #expect(query("SELECT * FROM no_such_table")?.result.errorCode == 1146)
            #expect(query("LOAD DATA LOCAL INFILE")?.result.affectedRows == 3)
        case "compressed":
            #expect(query("SELECT seq, CONCAT('row ', seq)")?.result.rowCount == 400)
        default:
            break
        }
    }

    /// Nil (after printing what is missing) when the live test cannot run here; otherwise the
    /// python interpreter that has both client modules.
    static func missingPrerequisites() -> String? {
        if ProcessInfo.processInfo.environment["GT_SKIP_LIVE_MYSQL"] == "1" {
            print("LiveServerTests: skipped (GT_SKIP_LIVE_MYSQL=1)")
            return nil
        }
        var missing: [String] = []
        if getuid() != 0 { missing.append("root (tcpdump on lo and mariadbd --user=root)") }
        for tool in ["mariadbd", "mariadb-install-db", "mariadb", "mariadb-admin", "tcpdump", "timeout"]
        where executable(tool) == nil {
            missing.append(tool)
        }
        let candidates = [ProcessInfo.processInfo.environment["PYTHON"], executable("python3"), "/usr/bin/python3"]
        let python = candidates.compactMap { $0 }.first { path in
            FileManager.default.isExecutableFile(atPath: path)
                && run(path, ["-c", "import pymysql, mysql.connector"]) == 0
        }
        if python == nil { missing.append("a python3 with pymysql and mysql.connector (pip install PyMySQL mysql-connector-python)") }
        guard missing.isEmpty, let python else {
            print("LiveServerTests: skipped, missing: \(missing.joined(separator: ", "))")
            return nil
        }
        return python
    }

    /// The recorder into `out`, bounded: after 240 s it gets SIGTERM (it then stops its server
    /// and tcpdump) and the result is nil.
    static func record(into out: URL, port: UInt16, python: String) -> Int32? {
        let script = StreamFixture.directory.appendingPathComponent("record_fixtures.sh")
        var environment = ProcessInfo.processInfo.environment
        // Debian installs mariadbd in /usr/sbin, which a non-login PATH may lack.
        environment["PATH"] = (environment["PATH"].map { $0 + ":" } ?? "") + "/usr/sbin:/sbin:/usr/bin:/bin"
        environment["PORT"] = String(port)
        environment["PYTHON"] = python
        environment["SCENARIOS"] = scenarios.joined(separator: " ")
        environment["STEP_LIMIT"] = "90"
        // 128 MiB holds the 53 MB "large" capture; 512 MiB (the recorder's default) costs a
        // second per scenario for the kernel to zero it.
        environment["BUFFER_KIB"] = "131072"
        // recorder.log: its stdout and stderr.
        guard let child = try? Command("/bin/bash", [script.path, out.path], in: out.path, name: "recorder", mergingOutput: true,
                                       environment: environment) else {
            return -1
        }
        let result = child.wait(timeout: 240, grace: 30)
        return result.timedOut ? nil : result.status
    }

    /// Capture file -> packets -> TCP streams -> MySQL commands, as the CLI wires them.
    static func decode(_ path: String, port: UInt16, configuration: MySQLDecoderConfiguration) throws
        -> (records: [MySQLCommandRecord], tcp: TCPTotals) {
        final class Sink { var records: [MySQLCommandRecord] = [] }
        let sink = Sink()
        var settings = TCPReassembler.Configuration()
        settings.watchedPorts = [port]
        let reassembler = TCPReassembler(configuration: settings) { info, _, _ in
            MySQLConnectionDecoder(connection: info, configuration: configuration) { sink.records.append($0) }
        }
        let reader = try openCapture(path: path)
        let packets = PacketDecoder()
        var last = Timestamp.zero
        while let record = try reader.next() {
            if case .tcp(let segment) = packets.decode(record) { reassembler.process(segment, at: record.timestamp) }
            last = record.timestamp
        }
        #expect(reader.warning == nil, "\(path): \(String(describing: reader.warning))")
        reassembler.finish(at: last)
        return (sink.records, reassembler.totals)
    }

    /// A port nobody listens on now: bind port 0 and read what the kernel chose.
    static func freePort() -> UInt16? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { return nil }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Full path of `tool` on PATH (plus the sbin folders, where Debian puts mariadbd).
    static func executable(_ tool: String) -> String? { ExternalTool.path(tool) }

    /// Exit status of a short command, its output discarded; -1 when it cannot start.
    static func run(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
