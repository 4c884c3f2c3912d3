import Analysis
import CaptureIO
import Foundation
import OTLPProtocol
@testable import Reports
import TestSupport
import Testing
import Timeline

/// `analyze --format otlp`: checked by OpenTelemetry's own definitions (`opentelemetry-proto`
/// from PyPI, through `Fixtures/otlp/check_otlp.py`) against the JSON report of every fixture and
/// shared capture, and here for what the captures do not show yet (proxy legs, calls made
/// during another request) and for the encoding rules.
@Suite struct OTLPTraceTests {
    static let python = PythonTool.python(importing: ["opentelemetry.proto.trace.v1.trace_pb2", "google.protobuf.json_format"])
    static let missing = "needs python3 with opentelemetry-proto (pip install opentelemetry-proto)"

    @Test(.enabled(if: python != nil, .init(rawValue: missing)),
          arguments: SequenceViewBrowserTests.captures.map(\.name))
    func openTelemetryProtoReadsTheTracesAsTheReportSays(_ name: String) throws {
        guard let python = Self.python, let path = SequenceViewBrowserTests.captures.first(where: { $0.name == name })?.path else { return }
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CaptureAnalysis(options: .init()).run(paths: [path])
        let otlp = directory.appendingPathComponent("traces.json"), report = directory.appendingPathComponent("report.json")
        try AnalysisOTLP.document(result).write(to: otlp, atomically: true, encoding: .utf8)
        try AnalysisJSON.document(result).serialized(pretty: false).write(to: report, atomically: true, encoding: .utf8)
        let run = try PythonTool.run(python, [ProjectPaths.fixture("otlp/check_otlp.py"), otlp.path, report.path, path], timeout: 120)
        #expect(run.status == 0 && run.output.hasPrefix("ok "), "\(run.output)")
    }

    /// Spans collected through the same path the JSON writer takes.
    static func spans(_ result: AnalysisResult, relations: RequestRelations = RequestRelations()) -> [(service: String, span: OTLPSpan)] {
        var out: [(String, OTLPSpan)] = []
        AnalysisOTLP.forEachResourceSpans(result, relations: relations) { group in
            let service = group.resource?.attributes.first { $0.key == "service.name" }?.value.stringValue ?? ""
            for scope in group.scopeSpans { for span in scope.spans { out.append((service, span)) } }
        }
        return out
    }

    static func index(_ span: OTLPSpan, _ key: String) -> Int? {
        span.attributes.first { $0.key == key }?.value.intValue.map { Int($0) }
    }

    @Test func aRequestAndItsStatementsAreOneTrace() throws {
        let result = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.fixture("captures/a-seed-slim.pcap")])
        let spans = Self.spans(result).map(\.span)
        let requests = spans.filter { $0.kind == .server }, statements = spans.filter { $0.kind == .client }
        #expect(requests.count == result.http.count)
        #expect(statements.count == result.timeline.httpOfSQL.count)
        #expect(Set(requests.map(\.traceID)).count == result.http.count)
        let spanOfRequest = Dictionary(uniqueKeysWithValues: requests.map { (Self.index($0, "glancetrace.http.index") ?? -1, $0) })
        for statement in statements {
            let sql = try #require(Self.index(statement, "glancetrace.sql.index"))
            let owner = try #require(spanOfRequest[result.timeline.httpOfSQL[sql] ?? -1])
            #expect(statement.parentSpanID == owner.spanID && statement.traceID == owner.traceID)
        }
        // The same capture gives the same ids: live export and a later analysis of the file agree.
        #expect(AnalysisOTLP.document(result) == AnalysisOTLP.document(result))
    }

    /// A request through a TLS front with its back-end leg, a token validation Glance made during
    /// it, and a statement of the leg: one trace, nested as the relations say.
    @Test func legsAndCausedCallsNestUnderTheirRequest() throws {
        let t = Timestamp(seconds: 1_795_558_336, nanoseconds: 0)
        func at(_ ms: Int64) -> Timestamp { t.adding(nanoseconds: ms * 1_000_000) }
        let front = HTTPFact(index: 0, time: at(0), end: at(100), connection: 0, client: "10.0.0.9:40000", server: "10.0.0.5:13292",
                             service: "glance", operation: "image-create", method: "POST", path: "/v2/images", status: 201)
        let leg = HTTPFact(index: 1, time: at(2), end: at(98), connection: 1, client: "10.0.0.5:50000", server: "10.0.0.5:9292",
                           service: "glance", operation: "image-create", method: "POST", path: "/v2/images", status: 201)
        let validate = HTTPFact(index: 2, time: at(5), end: at(20), connection: 2, client: "10.0.0.5:50001", server: "10.0.0.5:5000",
                                service: "keystone", operation: "token-validate", method: "GET", path: "/v3/auth/tokens", status: 200)
        let insert = SQLFact(index: 0, time: at(30), end: at(31), connection: 3, client: "10.0.0.5:51000", user: "glance",
                             database: "glance", command: .query, statement: "INSERT INTO images (id) VALUES ('i1')", outcome: .ok(affectedRows: 1))
        let timeline = ImageTimeline(httpOfSQL: [0: 1], sqlOfHTTP: [1: [0]])
        let result = AnalysisResult(http: [front, leg, validate], sql: [insert], timeline: timeline)
        let relations = RequestRelations(legOf: [1: 0], causedBy: [2: 0])

        let spans = Self.spans(result, relations: relations)
        #expect(spans.count == 4)
        #expect(Set(spans.map(\.span.traceID)).count == 1)
        func span(_ index: Int) throws -> (service: String, span: OTLPSpan) {
            try #require(spans.first { Self.index($0.span, "glancetrace.http.index") == index })
        }
        let root = try span(0), legSpan = try span(1), validation = try span(2)
        #expect(root.span.parentSpanID.isEmpty && root.service == "proxy")
        #expect(legSpan.span.parentSpanID == root.span.spanID && legSpan.service == "glance")
        #expect(validation.span.parentSpanID == root.span.spanID && validation.service == "keystone")
        let statement = try #require(spans.first { $0.span.kind == .client })
        #expect(statement.span.parentSpanID == legSpan.span.spanID)
        #expect(statement.span.attributes.contains { $0.key == "db.system.name" && $0.value.stringValue == "mysql" })
    }

    /// Every image transition is one status event on its request's span (no python needed).
    @Test func imageTransitionsAreStatusEvents() throws {
        let result = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.fixture("captures/e-lifecycle-slim.pcap")])
        var events: [String] = []
        AnalysisOTLP.forEachResourceSpans(result, relations: RequestRelations(result)) { group in
            events += group.scopeSpans.flatMap(\.spans).flatMap(\.events).map(\.name)
        }
        #expect(!events.isEmpty && events.allSatisfy { $0 == "glancetrace.image.status" })
        #expect(events.count == result.timeline.images.reduce(0) { $0 + $1.transitions.count })
    }

    /// The bodies `capture --otlp-endpoint` posts, protobuf and JSON, of every trace of a
    /// capture (the offline traces, with events and links, and the live ones): OpenTelemetry's
    /// own definitions read both as the same messages, and its encoder writes the same bytes.
    @Test(.enabled(if: python != nil, .init(rawValue: missing)), arguments: ["a-seed-slim", "e-lifecycle-slim"])
    func openTelemetryProtoReadsTheExportBodiesAlike(_ name: String) throws {
        guard let python = Self.python else { return }
        let directory = try ProjectPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.fixture("captures/\(name).pcap")])
        var offline: [LiveTrace] = []
        AnalysisOTLP.forEachResourceSpans(result, relations: RequestRelations(result)) { group in
            offline.append(LiveTrace(resourceSpans: [group], spanCount: group.scopeSpans.reduce(0) { $0 + $1.spans.count }))
        }
        let live = LiveTraces()
        for fact in result.http { live.add(.http(fact)) }
        for fact in result.sql { live.add(.sql(fact)) }
        var arguments = [ProjectPaths.fixture("otlp/check_otlp_binary.py")]
        for (form, traces) in [("offline", offline), ("live", live.remaining())] {
            let binary = directory.appendingPathComponent("\(form).pb"), json = directory.appendingPathComponent("\(form).json")
            try Data(OTLPExportBody.protobuf(traces)).write(to: binary)
            try Data(OTLPExportBody.json(traces)).write(to: json)
            arguments += [binary.path, json.path]
        }
        let run = try PythonTool.run(python, arguments, timeout: 120)
        #expect(run.status == 0 && run.output.hasPrefix("ok 2 body pairs"), "\(run.output)")
    }
}
