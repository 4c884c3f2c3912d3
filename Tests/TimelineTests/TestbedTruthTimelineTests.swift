import CaptureIO
import MySQLDecoding
import Foundation
import TestSupport
import Testing
@testable import Timeline

/// The lifecycle rules on the test bed scenarios (concurrent uploads, failed uploads, image
/// import, warm pools), fed with the servers' own logs from the reduced truth files in
/// `Fixtures/captures/testbed/` instead of our decoders' output: statuses, failed-upload
/// anomalies and the import task's attribution come from the rules alone.
@Suite struct TestbedTruthTimelineTests {
    static let scenarios = ["c-concurrent", "d-failed", "f-import", "h-any-sll2", "h-pcapng"]

    static func truth(_ scenario: String) throws -> [String: Any] {
        try FixtureFile.jsonObject(in: ProjectPaths.fixtures.appendingPathComponent("captures/testbed/\(scenario)"), named: "truth.json")
    }

    static func timestamp(_ seconds: Any?) -> Timestamp {
        Timestamp(nanoseconds: Int64(((seconds as? Double) ?? 0) * 1e9))
    }

    /// HTTP facts from the access logs (classified with the route table), SQL facts from the general log.
    static func facts(_ truth: [String: Any]) -> (http: [HTTPFact], sql: [SQLFact]) {
        var sql: [SQLFact] = []
        for (i, row) in (truth["sql"] as? [[String: Any]] ?? []).enumerated() {
            let time = timestamp(row["time"])
            sql.append(SQLFact(index: i, time: time, end: time, connection: row["connection_id"] as? Int ?? -1, client: "",
                               user: nil, database: nil, command: MySQLCommand(name: row["command"] as? String ?? "") ?? .unread,
                               statement: row["statement"] as? String ?? "", outcome: .ok(affectedRows: nil)))
        }
        var http: [HTTPFact] = []
        for (i, row) in (truth["http_requests"] as? [[String: Any]] ?? []).enumerated() {
            let time = timestamp(row["time"])
            let duration = Int64((row["duration_us"] as? Int) ?? 0) * 1000
            let path = String((row["path"] as? String ?? "").split(separator: "?").first ?? "")
            let method = row["method"] as? String ?? ""
            let service = row["service"] as? String ?? "other"
            let segments = path.split(separator: "/")
            var operation = ""
            var image: String?
            for route in OpenStackRoute.standardTable where route.service.rawValue == service {
                if let captures = route.match(method: method, pathSegments: segments) {
                    operation = route.operationName(captures: captures).rawValue
                    image = captures["image"]
                    break
                }
            }
            http.append(HTTPFact(index: i, time: time, end: time.adding(nanoseconds: duration), connection: i, client: "",
                                 server: "", service: service, operation: OpenStackOperation(rawValue: operation), method: method, path: path,
                                 status: row["status"] as? Int, imageID: image))
        }
        return (http, sql)
    }

    @Test(arguments: scenarios)
    func transitionsMatchTheServersLogs(_ scenario: String) throws {
        try Self.expectTransitionsMatch(try Self.truth(scenario), scenario: scenario)
    }

    /// The timeline built from a recording's server logs has the status changes Glance logged,
    /// each made by a Glance request. `untouchedImages`: images the recording only read (made
    /// before it began) have no transitions, and the truth does not list them.
    static func expectTransitionsMatch(_ truth: [String: Any], scenario: String, untouchedImages: Bool = false) throws {
        let (http, sql) = facts(truth)
        let timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        var got: [String: [String]] = [:]
        for image in timeline.images where !(untouchedImages && image.transitions.isEmpty) {
            if let id = image.id { got[id] = image.transitions.map(\.status) }
        }
        #expect(got == truth["image_status_transitions"] as? [String: [String]] ?? [:])
        for image in timeline.images where image.id != nil {
            for transition in image.transitions {
                // The access logs do not say which image a POST created: among concurrent creates
                // (c-concurrent, p-attribution) the INSERT may fit several equally, and says so.
                if transition.http == nil, let sql = transition.sql, let link = timeline.attribution(ofSQL: sql),
                   link.confidence == .ambiguous {
                    #expect(link.candidates.allSatisfy { http[$0].service == "glance" })
                    continue
                }
                let request = try #require(transition.http, "\(scenario): \(transition.status) not attributed")
                #expect(http[request].service == "glance")
            }
        }
    }

    @Test func failedUploadsAreAnomalies() throws {
        let (http, sql) = Self.facts(try Self.truth("d-failed"))
        let timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        let failed = timeline.anomalies.filter { $0.kind == .uploadFailed }
        // The killed chunked upload (500) and the bytes the format inspector refused (415).
        #expect(failed.count == 2)
        #expect(failed.contains { $0.message.contains("saving -> queued") && $0.message.contains("answered 500") })
        #expect(failed.contains { $0.message.contains("answered 415") })
    }

    @Test func importTaskIsAttributedToTheImportRequest() throws {
        let (http, sql) = Self.facts(try Self.truth("f-import"))
        let timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        #expect(timeline.images.count == 2)
        for image in timeline.images {
            let operations = image.transitions.map { $0.http.map { http[$0].operation } ?? "-" }
            #expect(operations == ["image-create", "image-stage", "image-import", "image-import"])
        }
    }
}
