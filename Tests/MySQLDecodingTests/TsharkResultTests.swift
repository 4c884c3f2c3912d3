import Foundation
import Testing
@testable import MySQLDecoding

/// Every OK and ERR packet, per connection and in order, against tshark's `mysql.affected_rows`
/// and `mysql.error_code` (recorded by `Fixtures/mysql/extract_tshark_results.sh`).
struct TsharkResultTests {
    enum Outcome: Equatable, CustomStringConvertible {
        case ok(UInt64)
        case error(UInt16)
        var description: String {
            switch self {
            case .ok(let n): return "ok(\(n))"
            case .error(let c): return "err(\(c))"
            }
        }
    }

    /// tshark cannot read the compressed protocol, so those fixtures are left out.
    @Test(arguments: ["a-seed", "b-sequential", "e-lifecycle", "prepared", "text", "deprecate_eof"])
    func okAndErrorPacketsMatchTshark(scenario: String) throws {
        let text = try String(contentsOf: StreamFixture.directory.appendingPathComponent("\(scenario).tshark-results.txt"),
                              encoding: .utf8)
        var expected: [Int: [Outcome]] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: false)
            guard f.count >= 3, let stream = Int(f[0]) else { continue }
            if let code = UInt16(f[2]) {
                expected[stream, default: []].append(.error(code))
            } else {
                for value in f[1].split(separator: ",") { expected[stream, default: []].append(.ok(UInt64(value) ?? .max)) }
            }
        }
        let (records, decoders) = try StreamFixture(named: "\(scenario).chunks.gz").replay()
        var mine: [Int: [Outcome]] = [:]
        for r in records {
            switch r.result.kind {
            case .error: mine[r.connectionIndex, default: []].append(.error(r.result.errorCode ?? 0))
            case .ok: if let n = r.result.affectedRows { mine[r.connectionIndex, default: []].append(.ok(n)) }
            case .rows:
                // Under CLIENT_DEPRECATE_EOF each result set ends with an OK packet (0 rows affected);
                // a multi-result response (CALL, several statements) ends with a final OK.
                if decoders[r.connectionIndex]?.facts.negotiated.contains(.deprecateEOF) == true {
                    mine[r.connectionIndex, default: []].append(contentsOf: r.result.resultSets.map { _ in .ok(0) })
                } else if let n = r.result.affectedRows {
                    mine[r.connectionIndex, default: []].append(.ok(n))
                }
            case .none: break
            }
        }
        #expect(!expected.isEmpty)
        for (stream, outcomes) in expected {
            #expect(mine[stream] ?? [] == outcomes, "\(scenario) stream \(stream)")
        }
    }
}
