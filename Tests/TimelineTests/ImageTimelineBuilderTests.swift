import CaptureIO
import MySQLDecoding
import Foundation
import HTTPDecoding
import TestSupport
import Testing
@testable import Timeline

/// The lifecycle rules, fed with facts taken from the servers' own logs (uWSGI access logs and
/// MariaDB's general log in each shared capture's truth file), so they are checked against what
/// Glance really did rather than against our decoders.
@Suite(.enabled(if: ProjectPaths.sharedCapturesAvailable, SharedCaptures.missing)) struct ImageTimelineBuilderTests {
    static func timestamp(_ seconds: Any?) -> Timestamp {
        Timestamp(nanoseconds: Int64(((seconds as? Double) ?? 0) * 1e9))
    }

    static let uuidPattern = try! NSRegularExpression(pattern: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

    static func facts(_ scenario: String) throws -> (http: [HTTPFact], sql: [SQLFact], truth: [String: Any]) {
        let truth = try FixtureFile.sharedTruth(scenario)
        let databases = Dictionary((truth["mysql_connections"] as? [[String: Any]] ?? []).map {
            ($0["connection_id"] as? Int ?? -1, $0["db"] as? String)
        }, uniquingKeysWith: { a, _ in a })
        var sql: [SQLFact] = []
        for (i, row) in (truth["sql"] as? [[String: Any]] ?? []).enumerated() {
            let time = timestamp(row["time"])
            let connection = row["connection_id"] as? Int ?? -1
            sql.append(SQLFact(index: i, time: time, end: time, connection: connection, client: "",
                               user: nil, database: databases[connection] ?? nil,
                               command: MySQLCommand(name: row["command"] as? String ?? "") ?? .unread, statement: row["statement"] as? String ?? "",
                               outcome: .ok(affectedRows: nil)))
        }
        var http: [HTTPFact] = []
        for (i, row) in (truth["http_requests"] as? [[String: Any]] ?? []).enumerated() {
            let time = timestamp(row["time"])
            let duration = Int64((row["duration_us"] as? Int) ?? 0) * 1000
            let path = row["path"] as? String ?? ""
            let range = NSRange(path.startIndex..., in: path)
            let id = uuidPattern.firstMatch(in: path, range: range).flatMap { Range($0.range, in: path) }.map { String(path[$0]) }
            http.append(HTTPFact(index: i, time: time, end: time.adding(nanoseconds: duration), connection: i, client: "",
                                 server: "", service: row["service"] as? String ?? "other", operation: "",
                                 method: row["method"] as? String ?? "", path: path, status: row["status"] as? Int,
                                 imageID: id))
        }
        return (http, sql, truth)
    }

    @Test(arguments: ProjectPaths.sharedScenarios)
    func transitionsAndStoredFieldsMatchTheServersLogs(_ scenario: String) throws {
        let (http, sql, truth) = try Self.facts(scenario)
        let timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        let expected = truth["image_status_transitions"] as? [String: [String]] ?? [:]
        var got: [String: [String]] = [:]
        for image in timeline.images { if let id = image.id { got[id] = image.transitions.map(\.status) } }
        #expect(got == expected)
        for entry in truth["images"] as? [[String: Any]] ?? [] {
            let summary = entry["summary"] as? [String: Any] ?? [:]
            let image = try #require(timeline.images.first { $0.id == summary["id"] as? String })
            #expect(image.name == summary["name"] as? String)
            #expect(image.checksum == summary["checksum"] as? String)
            #expect(image.osHashValue == summary["os_hash_value"] as? String)
            #expect(image.size == (summary["size"] as? Int).map(Int64.init))
            // Every SQL transition was issued while a Glance request was in progress.
            for transition in image.transitions {
                let request = try #require(transition.http, "status \(transition.status) not attributed")
                #expect(http[request].service == "glance")
            }
        }
    }

    @Test func propertiesSetLaterAreRecorded() throws {
        let (http, sql, _) = try Self.facts("a-seed")
        let timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        let image = try #require(timeline.images.first)
        #expect(image.properties.contains { $0.name == "hw_architecture" && $0.value == "x86_64" })
    }

    @Test func rolledBackWritesDoNotCount() {
        let t = Timestamp(seconds: 100, nanoseconds: 0)
        func fact(_ i: Int, _ text: String) -> SQLFact {
            SQLFact(index: i, time: t.adding(nanoseconds: Int64(i)), end: t.adding(nanoseconds: Int64(i)), connection: 1,
                    client: "", user: "glance", database: "glance", command: .query, statement: text, outcome: .ok(affectedRows: 1))
        }
        let sql = [
            fact(0, "INSERT INTO images (id, name, status) VALUES ('i1', 'x', 'queued')"),
            fact(1, "COMMIT"),
            fact(2, "UPDATE images SET status='saving' WHERE images.id = 'i1'"),
            fact(3, "ROLLBACK"),
            fact(4, "UPDATE images SET status='killed' WHERE images.id = 'i1'"),
            fact(5, "COMMIT"),
        ]
        let timeline = ImageTimelineBuilder.build(http: [], sql: sql)
        #expect(timeline.images.map { $0.transitions.map(\.status) } == [["queued", "killed"]])
        #expect(timeline.anomalies.contains { $0.kind == .imageKilled })
    }

    @Test func lookupByNameJoinsTheImageCreatedLater() {
        let t = Timestamp(seconds: 100, nanoseconds: 0)
        let lookup = HTTPFact(index: 0, time: t, end: t, connection: 0, client: "", server: "", service: "glance",
                              operation: "image-show", method: "GET", path: "/v2/images/vmlinuz", status: 404, imageName: "vmlinuz")
        let create = HTTPFact(index: 1, time: t.adding(nanoseconds: 10), end: t.adding(nanoseconds: 20), connection: 0,
                              client: "", server: "", service: "glance", operation: "image-create", method: "POST",
                              path: "/v2/images", status: 201, imageID: "i1", imageName: "vmlinuz", reportedStatus: "queued")
        let timeline = ImageTimelineBuilder.build(http: [lookup, create], sql: [])
        #expect(timeline.images.count == 1)
        #expect(timeline.images.first?.http == [0, 1])
        #expect(timeline.images.first?.transitions.map(\.source) == [.http])
    }

    /// The upload's verdict is taken once its digests are known, against the checksum and multihash
    /// Glance wrote after the upload (case aside); an image whose upload has no digests has none.
    @Test func anUploadIsCheckedAgainstTheChecksumWrittenAfterIt() {
        let t = Timestamp(seconds: 100, nanoseconds: 0)
        let md5 = "0123456789abcdef0123456789abcdef", sha = String(repeating: "ab", count: 64)
        func upload(_ i: Int, _ id: String, _ digests: UploadDigests?) -> HTTPFact {
            HTTPFact(index: i, time: t.adding(nanoseconds: Int64(i)), end: t.adding(nanoseconds: Int64(i) + 1), connection: i,
                     client: "", server: "", service: "glance", operation: "image-upload", method: "PUT",
                     path: "/v2/images/\(id)/file", status: 204, imageID: id, requestBytes: 10, uploadDigests: digests)
        }
        func stored(_ i: Int, _ id: String, sha512: String) -> SQLFact {
            SQLFact(index: i, time: t.adding(nanoseconds: 100 + Int64(i)), end: t.adding(nanoseconds: 100 + Int64(i)),
                    connection: 1, client: "", user: "glance", database: "glance", command: .query,
                    statement: i % 2 == 1 ? "COMMIT" : "UPDATE images SET status='active', checksum='\(md5.uppercased())', "
                        + "os_hash_algo='sha512', os_hash_value='\(sha512)' WHERE images.id = '\(id)'",
                    outcome: .ok(affectedRows: 1))
        }
        let http = [upload(0, "i1", UploadDigests(md5: md5, sha512: sha)), upload(1, "i2", UploadDigests(md5: md5, sha512: sha)),
                    upload(2, "i3", nil)]
        let sql = [stored(0, "i1", sha512: sha), stored(1, "", sha512: ""), stored(2, "i2", sha512: String(repeating: "cd", count: 64)),
                   stored(3, "", sha512: ""), stored(4, "i3", sha512: sha), stored(5, "", sha512: "")]
        let timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        let verdicts = Dictionary(uniqueKeysWithValues: timeline.images.map { ($0.id ?? "?", $0.upload?.matchesChecksum) })
        #expect(verdicts == ["i1": true, "i2": false, "i3": nil])
        #expect(timeline.images.first { $0.id == "i1" }?.upload?.md5 == md5)
    }
}
