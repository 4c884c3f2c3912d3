import Analysis
import CaptureIO
import Foundation
import Reports
import TestSupport
import Testing
import Timeline

/// Two clients send the same request through a proxy (haproxy on an internal VIP, 10.0.0.10:9292,
/// forwarding to Glance on 10.0.0.20:9292) within microseconds, with the same answer: written as a
/// capture, analysed by the whole pipeline.
@Suite struct CraftedProxyTests {
    static let request = "GET /v2/images/0b2c8d5e-5a52-4a0a-8d2e-6f3f1b7c9a10 HTTP/1.1\r\nHost: 10.0.0.10:9292\r\nAccept: application/json\r\n"
    static let body = #"{"id": "0b2c8d5e-5a52-4a0a-8d2e-6f3f1b7c9a10", "name": "cirros", "status": "active", "disk_format": "qcow2"}"#
    static let response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body

    /// One client's request through the proxy: front at `start`, back leg `lag` later, back end
    /// answering after `work`, front answered `relay` after that (all microseconds).
    struct Flow {
        var client: String
        var backSource: String
        var start: Int64
        var lag: Int64
        var work: Int64
        var relay: Int64 = 60
        var forwardedFor: String?
    }

    static func capture(_ flows: [Flow], at path: String) throws {
        var capture = CraftedCapture()
        for flow in flows {
            let front = capture.connect(flow.client, "10.0.0.10:9292", at: flow.start - 100)
            let back = capture.connect(flow.backSource, "10.0.0.20:9292", at: flow.start + flow.lag - 50)
            capture.send(front, fromClient: true, request + "\r\n", at: flow.start)
            var forwarded = request
            if let forwardedFor = flow.forwardedFor { forwarded += "X-Forwarded-For: \(forwardedFor)\r\n" }
            capture.send(back, fromClient: true, forwarded + "\r\n", at: flow.start + flow.lag)
            let answered = flow.start + flow.lag + flow.work
            capture.send(back, fromClient: false, response, at: answered)
            capture.send(front, fromClient: false, response, at: answered + flow.relay)
            capture.close(back, at: answered + 1000)
            capture.close(front, at: answered + 1000)
        }
        try capture.write(to: path)
    }

    static func analyse(_ flows: [Flow]) throws -> AnalysisResult {
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("proxy.pcap").path
        try capture(flows, at: path)
        return try CaptureAnalysis(options: .init()).run(paths: [path])
    }

    /// The front leg of `client` and the back leg the proxy sent for it.
    static func legs(of client: String, _ result: AnalysisResult) throws -> (front: Int, back: [Int]) {
        let front = try #require(result.http.first { $0.client.hasPrefix(client + ":") }?.index)
        return (front, result.timeline.legs.http.legs[front] ?? [])
    }

    static let t0: Int64 = 1_796_500_000_000_000

    /// Two hosts; the second client's request reaches the back end first and both answers come
    /// back in the crossed order, as well: time alone allows either pairing. Each back leg names
    /// its client in X-Forwarded-For.
    @Test func twoHostsPairByForwardedFor() throws {
        let result = try Self.analyse([
            Flow(client: "10.0.0.1:40001", backSource: "10.0.0.10:50002", start: Self.t0, lag: 120, work: 5_000,
                 forwardedFor: "10.0.0.1"),
            Flow(client: "10.0.0.2:40002", backSource: "10.0.0.10:50001", start: Self.t0 + 30, lag: 60, work: 4_990,
                 forwardedFor: "10.0.0.2"),
        ])
        #expect(result.http.count == 4)
        let a = try Self.legs(of: "10.0.0.1", result), b = try Self.legs(of: "10.0.0.2", result)
        #expect(a.back.map { result.http[$0].client } == ["10.0.0.10:50002"])
        #expect(b.back.map { result.http[$0].client } == ["10.0.0.10:50001"])
        #expect(AnalysisText.report(result).contains("HTTP requests: 2 (glance 2); 4 exchanges on the wire, 2 of them proxy legs"))
        // The sequence view draws each back leg under its own front.
        let relations = RequestRelations(result)
        #expect(relations.legOf.count == 2)
        for front in [a.front, b.front] { #expect(relations.legs[front]?.count == 1) }
        #expect(AnalysisHTML.page(result).components(separatedBy: "\"legOf\":null").count - 1 == 2)
    }

    /// One host, no forwarding headers: the answers take different times, and a front cannot be
    /// answered before its back leg is.
    @Test func oneHostPairsByTiming() throws {
        let result = try Self.analyse([
            Flow(client: "10.0.0.1:40001", backSource: "10.0.0.10:50002", start: Self.t0, lag: 120, work: 9_000),
            Flow(client: "10.0.0.1:40003", backSource: "10.0.0.10:50001", start: Self.t0 + 30, lag: 60, work: 3_000),
        ])
        let a = try Self.legs(of: "10.0.0.1", result)
        let b = try #require(result.http.first { $0.client == "10.0.0.1:40003" }?.index)
        #expect(a.back.map { result.http[$0].client } == ["10.0.0.10:50002"])
        #expect(result.timeline.legs.http.legs[b]?.map { result.http[$0].client } == ["10.0.0.10:50001"])
    }

    /// Nothing tells them apart (same host, same moment, same answer time): neither pairing is
    /// made, and the report says why there are four requests.
    @Test func indistinguishableFlowsStayUnjoined() throws {
        let result = try Self.analyse([
            Flow(client: "10.0.0.1:40001", backSource: "10.0.0.10:50002", start: Self.t0, lag: 120, work: 5_000),
            Flow(client: "10.0.0.1:40003", backSource: "10.0.0.10:50001", start: Self.t0 + 10, lag: 115, work: 5_000),
        ])
        #expect(result.timeline.legs.http.isEmpty)
        #expect(result.timeline.legs.ambiguousHTTP.count == 2)
        let report = AnalysisText.report(result)
        #expect(report.contains("HTTP exchanges: 4"))
        #expect(report.contains("2 HTTP exchanges could be a proxy's leg of more than one request"))
    }

    /// The JSON keeps every leg, each back leg naming its front and each front its legs.
    @Test func jsonKeepsEveryLeg() throws {
        let result = try Self.analyse([
            Flow(client: "10.0.0.1:40001", backSource: "10.0.0.10:50002", start: Self.t0, lag: 120, work: 5_000,
                 forwardedFor: "10.0.0.1"),
        ])
        let json = AnalysisJSON.http(result).serialized(pretty: false)
        #expect(json.contains(#""leg_of":null,"legs":[1]"#))
        #expect(json.contains(#""leg_of":0,"legs":[]"#))
    }
}

/// A front leg whose request was not read (encrypted, no key log: issue 21's inferred exchange)
/// joined to its decoded back leg: the story shows the back leg's request line once, with the hops.
@Suite struct InferredFrontReportTests {
    @Test func theStoryShowsTheDecodedLegsRequestLine() throws {
        let image = "6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c"
        func at(_ micros: Int64) -> Timestamp { Timestamp(nanoseconds: 1_796_500_000_000_000_000 + micros * 1000) }
        var front = HTTPFact(index: 0, time: at(0), end: at(10_000), connection: 1, client: "10.0.0.1:40000",
                             server: "10.0.0.10:13292", service: "glance", operation: "?", method: "?", path: "?", status: nil,
                             imageID: image)
        front.tls = true
        front.responseBytes = 1_140
        front.proxyEvidence = HTTPProxyEvidence(requestWireBytes: 600)
        var back = HTTPFact(index: 1, time: at(200), end: at(9_800), connection: 2, client: "10.0.0.10:50000",
                            server: "10.0.0.20:9292", service: "glance", operation: "image-show", method: "GET",
                            path: "/v2/images/\(image)", status: 200, imageID: image, reportedStatus: "active")
        back.responseBytes = 1_151
        back.proxyEvidence = HTTPProxyEvidence(target: "/v2/images/\(image)", xForwardedFor: ["10.0.0.1"],
                                               xForwardedProto: ["https"], requestWireBytes: 640)
        let http = HTTPFactStore([front, back]), sql = SQLFactStore()
        var timeline = ImageTimelineBuilder.build(http: http, sql: sql)
        timeline.apply(ProxyLegs.find(http: http, sql: sql), http: http, sql: sql)
        let report = AnalysisText.report(AnalysisResult(http: http, sql: sql, timeline: timeline))
        #expect(report.contains("19:46:40.000000  GET /v2/images/\(image) -> 200  [glance image-show, 10.000 ms]"))
        #expect(report.contains("hops: client -> :13292 (TLS) 10.000 ms; haproxy -> :9292 9.600 ms; proxy 0.400 ms"))
        #expect(!report.contains("? ?"))
    }
}
