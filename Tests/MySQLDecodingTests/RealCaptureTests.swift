import Foundation
import Testing
@testable import MySQLDecoding

/// The shared Glance captures against MariaDB's general query log (truth.json).
struct RealCaptureTests {
    struct Truth {
        var portByConnectionID: [Int: Int] = [:]
        var window: (Double, Double) = (0, 0)
        /// (time, connection id, command, statement)
        var sql: [(Double, Int, String, String)] = []
    }

    static func truth(_ scenario: String) throws -> Truth {
        let bytes = try StreamFixture.gunzip("\(scenario).truth.json.gz")
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] ?? [:]
        var t = Truth()
        for c in object["connections"] as? [[String: Any]] ?? [] {
            if let id = c["connection_id"] as? Int, let port = c["client_port"] as? Int { t.portByConnectionID[id] = port }
        }
        if let w = object["window"] as? [Double], w.count == 2 { t.window = (w[0], w[1]) }
        for s in object["sql"] as? [[Any]] ?? [] {
            if s.count == 4, let time = s[0] as? Double, let id = s[1] as? Int, let cmd = s[2] as? String, let text = s[3] as? String {
                t.sql.append((time, id, cmd, text))
            }
        }
        return t
    }

    @Test(arguments: ["a-seed", "b-sequential", "e-lifecycle"])
    func everyLoggedStatementIsDecoded(scenario: String) throws {
        let fixture = try StreamFixture(named: "\(scenario).chunks.gz")
        let truth = try Self.truth(scenario)
        let (records, decoders) = fixture.replay()
        #expect(!truth.sql.isEmpty)
        var matched = 0
        for (id, port) in truth.portByConnectionID {
            let mine = records.filter { Int($0.client.port) == port }
            let expected = truth.sql.filter { $0.1 == id }
            // In order: each logged statement is found after the previous one.
            var cursor = 0
            var missing: [String] = []
            for e in expected {
                if let found = mine[cursor...].firstIndex(where: { $0.commandName == e.2 && $0.statement == e.3 }) {
                    #expect(mine[found].isComplete, "\(scenario) #\(id): \(e.3.prefix(80))")
                    if let cid = mine[found].connectionID { #expect(Int(cid) == id) }
                    cursor = found + 1
                    matched += 1
                } else {
                    missing.append("\(e.2): \(e.3.prefix(100))")
                }
            }
            #expect(missing.isEmpty, "\(scenario) connection \(id): \(missing.count) missing, first: \(missing.first ?? "")")
            // And nothing the server would have logged is extra inside the truth window.
            let logged = mine.filter {
                $0.command == .query && $0.start.secondsValue > truth.window.0 + 0.05 && $0.start.secondsValue < truth.window.1 - 0.05
            }
            let truthQueries = expected.filter { $0.2 == "Query" && $0.0 > truth.window.0 + 0.05 && $0.0 < truth.window.1 }
            #expect(logged.count <= truthQueries.count + 2, "\(scenario) connection \(id)")
        }
        // Every statement of the log is accounted for (each truth connection is on the wire).
        #expect(matched == truth.sql.count)
        print("\(scenario): \(matched) of \(truth.sql.count) logged statements matched; \(records.count) records")
        for decoder in decoders.values where decoder.facts.sawHandshake {
            #expect(decoder.facts.serverVersion?.contains("MariaDB") == true)
            #expect(decoder.facts.connectionID.map { truth.portByConnectionID[Int($0)] == Int(decoder.connection.client.port) } == true)
        }
    }
}
