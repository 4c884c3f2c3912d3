import CaptureIO
import Testing
@testable import Timeline

/// The mapping to logical requests and statements, on hand-made facts: a client's POST through
/// haproxy (TLS front on 13292, plain back leg on 9292) whose INSERT reaches MariaDB through haproxy
/// in TCP mode (13306, then 3306).
@Suite struct ProxyLegsTimelineTests {
    static let image = "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c"
    static func at(_ micros: Int64) -> Timestamp { Timestamp(nanoseconds: 1_796_500_000_000_000_000 + micros * 1000) }

    static func request(_ index: Int, _ start: Int64, _ end: Int64, connection: Int, client: String, server: String,
                        tls: Bool, status: Int = 201, forwardedFor: String? = nil) -> HTTPFact {
        var fact = HTTPFact(index: index, time: at(start), end: at(end), connection: connection, client: client, server: server,
                            service: "glance", operation: "image-create", method: "POST", path: "/v2/images", status: status,
                            imageID: image, imageName: "cirros", reportedStatus: "queued", requestBytes: 120)
        fact.tls = tls
        fact.requestID = "req-1"
        fact.proxyEvidence = HTTPProxyEvidence(target: "/v2/images", xForwardedFor: forwardedFor.map { [$0] } ?? [],
                                               xForwardedProto: forwardedFor == nil ? [] : ["https"])
        return fact
    }

    static func insert(_ index: Int, _ start: Int64, _ end: Int64, connection: Int, client: String, server: String) -> SQLFact {
        var fact = SQLFact(index: index, time: at(start), end: at(end), connection: connection, client: client, user: "glance",
                           database: "glance", command: .query,
                           statement: "INSERT INTO images (id, name, status, disk_format) VALUES ('\(image)', 'cirros', 'queued', 'qcow2')",
                           outcome: .ok(affectedRows: 1))
        fact.server = server
        fact.threadID = 42
        return fact
    }

    static func analyse(frontStatus: Int = 201, backStatus: Int = 201) -> (ImageTimeline, HTTPFactStore, SQLFactStore) {
        let http = HTTPFactStore([
            request(0, 0, 10_000, connection: 1, client: "10.0.0.1:40000", server: "10.0.0.10:13292", tls: true, status: frontStatus),
            request(1, 200, 9_800, connection: 2, client: "10.0.0.10:50000", server: "10.0.0.20:9292", tls: false,
                    status: backStatus, forwardedFor: "10.0.0.1"),
        ])
        let sql = SQLFactStore([
            insert(0, 1_000, 1_400, connection: 3, client: "10.0.0.20:33000", server: "10.0.0.10:13306"),
            insert(1, 1_050, 1_350, connection: 4, client: "10.0.0.10:51000", server: "10.0.0.20:3306"),
        ])
        var timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        timeline.apply(ProxyLegs.find(http: http, sql: sql), http: http, sql: sql)
        return (timeline, http, sql)
    }

    @Test func statementsBelongToTheLogicalRequest() {
        let (timeline, _, _) = Self.analyse()
        #expect(timeline.legs.http.legOf == [1: 0])
        #expect(timeline.legs.sql.legOf == [0: 1], "the client-side twin names the statement nearest the server")
        #expect(timeline.httpOfSQL == [0: 0, 1: 0])
        #expect(timeline.sqlOfHTTP == [0: [1]], "each statement once, under the logical request")
    }

    @Test func theImageStoryNamesLogicalElementsOnly() throws {
        let (timeline, _, sql) = Self.analyse()
        let image = try #require(timeline.images.first)
        #expect(image.http == [0])
        let queued = try #require(image.transitions.first)
        #expect(queued.status == "queued")
        #expect(queued.http == 0)
        #expect(queued.sql == 1)
        #expect(queued.time == sql.time(at: 1))
    }

    @Test func aServerErrorIsReportedOncePerLogicalRequest() {
        let (timeline, _, _) = Self.analyse(frontStatus: 500, backStatus: 500)
        #expect(timeline.legs.http.legOf == [1: 0])
        #expect(timeline.anomalies.filter { $0.kind == .httpServerError }.count == 1)
        #expect(timeline.anomalies.first { $0.kind == .httpServerError }?.time == Self.at(0))
    }

    /// A front seen only as encrypted records (no key log; issue 21's inferred exchanges): its
    /// request line unknown ("?"), its sizes from the records. It joins its decoded back leg by
    /// time and sizes, and becomes the logical request.
    static func inferredFront(responseBytes: Int) -> HTTPFact {
        var front = HTTPFact(index: 0, time: at(0), end: at(10_000), connection: 1, client: "10.0.0.1:40000",
                             server: "10.0.0.10:13292", service: "glance", operation: "?", method: "?", path: "?", status: nil)
        front.tls = true
        front.responseBytes = responseBytes
        front.proxyEvidence = HTTPProxyEvidence(requestWireBytes: 600)
        return front
    }

    @Test func anInferredFrontJoinsBySizes() {
        var back = Self.request(1, 200, 9_800, connection: 2, client: "10.0.0.10:50000", server: "10.0.0.20:9292", tls: false,
                                forwardedFor: "10.0.0.1")
        back.responseBytes = 1_151
        back.proxyEvidence.requestWireBytes = 660
        let sql = SQLFactStore([Self.insert(0, 1_000, 1_400, connection: 3, client: "10.0.0.20:33000", server: "10.0.0.20:3306")])
        let joined = ProxyLegs.find(http: HTTPFactStore([Self.inferredFront(responseBytes: 1_140), back]), sql: sql)
        #expect(joined.http.legOf == [1: 0])
        let apart = ProxyLegs.find(http: HTTPFactStore([Self.inferredFront(responseBytes: 11_449), back]), sql: sql)
        #expect(apart.http.isEmpty, "an answer ten times larger is another request")
    }

    @Test func withoutLegsNothingChanges() {
        let http = HTTPFactStore([Self.request(0, 0, 10_000, connection: 1, client: "10.0.0.1:40000", server: "10.0.0.20:9292", tls: false)])
        let sql = SQLFactStore([Self.insert(0, 1_000, 1_400, connection: 3, client: "10.0.0.20:33000", server: "10.0.0.20:3306")])
        let before = ImageTimelineBuilder.build(http: http, sql: sql)
        var after = before
        after.apply(ProxyLegs.find(http: http, sql: sql), http: http, sql: sql)
        #expect(after.legs.isEmpty)
        #expect(after.httpOfSQL == before.httpOfSQL && after.sqlOfHTTP == before.sqlOfHTTP)
        #expect(after.images.map(\.transitions) == before.images.map(\.transitions))
    }
}
