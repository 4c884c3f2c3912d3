import Foundation
import TestSupport
import Testing

/// `glancetrace sql --by-request` (issue 23): the commands grouped by request.
@Suite struct SQLCommandTests {
    static let capture = LiveEnvironment.packageRoot + "/Fixtures/captures/a-seed-slim.pcap"

    @Test("--by-request: one line per request, the counts adding up to every command",
          .enabled(if: LiveEnvironment.binary != nil, .init(rawValue: LiveTests.noBinary)))
    func summaryByRequest() throws {
        let run = try Command.run(try GlanceTraceBinary.binary(), ["sql", "--by-request", Self.capture], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        let header = try #require(lines.first)
        #expect(header.hasPrefix("# 1184 commands: 1184 in "), "\(header)")
        let counts = lines.dropFirst(2).compactMap { Int($0.split(separator: " ")[1]) }
        #expect(counts.reduce(0, +) == 1184)
        #expect(lines.dropFirst(2).allSatisfy { $0.contains(" -> ") })
    }
}
