import Analysis
import CaptureIO
import Foundation
import MySQLDecoding
@testable import Reports
import TestSupport
import Testing
import Timeline

/// `sql --summary` on a real capture against MariaDB's own general log: grouping the logged
/// queries by fingerprint gives the same groups and counts as grouping the decoded ones.
struct SQLSummaryTests {
    @Test func queryGroupsEqualTheGeneralLogGroupedByFingerprint() throws {
        let bytes = try Data(contentsOf: ProjectPaths.root.appendingPathComponent("Fixtures/mysql/a-seed.truth.json.gz"))
        let json = try #require(String(data: try gunzip(bytes), encoding: .utf8))
        let truth = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let window = try #require(truth["window"] as? [Double])
        var expected: [String: Int] = [:]
        for entry in truth["sql"] as? [[Any]] ?? [] where entry.count == 4 && entry[2] as? String == "Query" {
            expected[SQLFingerprint.of(entry[3] as? String ?? ""), default: 0] += 1
        }
        #expect(expected.values.reduce(0, +) > 100)

        let result = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.fixture("captures/a-seed-slim.pcap")])
        let inWindow = SQLFactStore(result.sql.filter { (window[0]...window[1]).contains($0.time.secondsValue) })
        let summary = SQLSummary(inWindow)
        var got: [String: Int] = [:]
        for group in summary.groups where group.command == "Query" { got[group.fingerprint] = group.count }
        #expect(got == expected)
        // Every command is in exactly one group, and the dearest group comes first.
        #expect(summary.groups.reduce(0) { $0 + $1.count } == inWindow.count)
        #expect(zip(summary.groups, summary.groups.dropFirst()).allSatisfy { $0.totalNanoseconds >= $1.totalNanoseconds })
        for group in summary.groups {
            #expect(group.p95Nanoseconds <= group.maxNanoseconds)
        }
    }

    @Test func percentileIsNearestRank() {
        var group = SQLSummary.Group(command: "Query", fingerprint: "select ?", example: "select 1")
        group.durations = Array(1...100).map { Int64($0) }
        #expect(group.p95Nanoseconds == 95)
        group.durations = [7]
        #expect(group.p95Nanoseconds == 7)
        group.durations = Array(1...19).map { Int64($0) }
        #expect(group.p95Nanoseconds == 19)  // ceil(0.95 * 19) = 19
    }

    func gunzip(_ data: Data) throws -> Data {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("truth.json.gz")
        try data.write(to: file)
        let run = try #require(try ExternalTool.runIfInstalled("gzip", ["-dc", file.path]))
        return Data(run.output.utf8)
    }
}
