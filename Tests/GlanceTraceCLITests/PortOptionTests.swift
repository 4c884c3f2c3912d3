import Foundation
import TestSupport
import Testing

extension LiveTests {
    /// `--port N[=http|mysql|tls]` (DESIGN.md §2, issue 18 item 2) as a user types it.
    @Suite(.enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    struct PortOptionTests {
        static let capture = LiveEnvironment.packageRoot + "/Fixtures/peers/packetbeat/mysql_prepare_statement.pcap"

        @Test func aPortGivenMySQLDecodesItsConnections() throws {
            let run = try Command.run(try GlanceTraceBinary.binary(), ["sql", "--quiet", "--port", "3307=mysql", Self.capture], timeout: 60)
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.stdout.split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.first?.contains("Prepare: select distinct count(distinct purchasede0_.id)") == true)
            #expect(lines.last?.contains("Execute: ") == true && lines.last?.contains("-> 1 row") == true)
        }

        @Test(arguments: [("3307=smtp", "--port 3307=smtp: 'smtp' is not a protocol glancetrace decodes (http, mysql, tls)."),
                          ("70000=mysql", "--port 70000=mysql: 70000 is not a TCP port (1-65535)."),
                          ("0", "--port 0: 0 is not a TCP port (1-65535).")])
        func aBadPortIsAUsageError(argument: String, message: String) throws {
            let run = try Command.run(try GlanceTraceBinary.binary(), ["sql", "--port", argument, Self.capture], timeout: 60)
            #expect(run.status == 2)
            #expect(run.stderr.hasPrefix("Error: \(message)\n"), "\(run.stderr)")
        }
    }
}
