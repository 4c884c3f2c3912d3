import Foundation
import TestSupport
import Testing
@testable import Timeline

/// Attribution fed with the servers' own logs (uWSGI's request spans, MariaDB's general log) of
/// the traced recordings and scored against the tracer: once with the requests as decoded
/// (method, path, image), once as the record layer of an undecrypted TLS connection gives them
/// (issue 21's inferred exchanges: no method, path, status or image). With nothing named, more
/// stays ambiguous, but what is given must still be right.
@Suite struct AttributionOnServerLogsTests {
    static func score(_ scenario: String, encrypted: Bool) throws -> (right: Int, attributed: Int, truth: Int) {
        let directory = ProjectPaths.root.appendingPathComponent("Fixtures/captures/testbed/traced/\(scenario)")
        let truth = try FixtureFile.jsonObject(in: directory, named: "truth.json")
        var (http, sql) = TestbedTruthTimelineTests.facts(truth)
        if encrypted {
            http = http.map { fact in
                var hidden = HTTPFact(index: fact.index, time: fact.time, end: fact.end, connection: fact.connection, client: fact.client,
                                      server: fact.server, service: fact.service, operation: "unknown", method: "", path: "", status: nil)
                hidden.tls = true
                return hidden
            }
        }
        let links = SQLAttribution.links(sql: SQLFactStore(sql), http: HTTPFactStore(http))
        var right = 0, attributed = 0, total = 0
        for (i, row) in (truth["sql"] as? [[String: Any]] ?? []).enumerated() {
            guard let want = row["http_request"] as? Int else { continue }
            total += 1
            guard let given = links.httpOfSQL[i] else { continue }
            attributed += 1
            if given == want { right += 1 }
        }
        return (right, attributed, total)
    }

    @Test(arguments: ["p-attribution", "a-seed", "c-concurrent", "d-failed", "e-lifecycle", "f-import"])
    func attributionFromTheServersLogs(_ scenario: String) throws {
        for encrypted in [false, true] {
            let (right, attributed, total) = try Self.score(scenario, encrypted: encrypted)
            print("server logs \(scenario)\(encrypted ? " (encrypted)" : ""): precision \(right)/\(attributed), recall \(right)/\(total)")
            #expect(Double(right) >= 0.99 * Double(attributed), "\(scenario) encrypted \(encrypted): \(right)/\(attributed)")
        }
    }
}
