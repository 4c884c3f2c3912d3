import Foundation
import OTLPProtocol
import TestSupport
import Testing

/// The hand-written OTLP encoder against bytes it did not write: `Fixtures/otlp/edge-cases.pb`
/// and `.json` were written by swift-protobuf (1.39, from OpenTelemetry's .proto files, before
/// glancetrace dropped it) for the request built here, which holds what a capture rarely does:
/// every escaped character, empty and extreme values, defaults that must be left out, set
/// sub-messages that must not. OpenTelemetry's own definitions read them as the same message.
@Suite struct OTLPEncodingTests {
    static let text = "q\"b\\ n\n t\t r\r b\u{8} f\u{C} c\u{1}\u{1F} del\u{7F} c1\u{80}\u{85}\u{9F} a0\u{A0} \u{E9} \u{2713} \u{1F600} \u{2028}"

    static var request: OTLPExportRequest {
        var span = OTLPSpan()
        span.traceID = Array(repeating: 0xAB, count: 16)
        span.spanID = [0, 1, 2, 3, 4, 5, 6, 0xFF]
        span.parentSpanID = [9, 8, 7, 6, 5, 4, 3, 2]
        span.name = text
        span.kind = .client
        span.startTimeUnixNano = 1
        span.endTimeUnixNano = UInt64.max
        span.attributes = [OTLPKeyValue("s", text), OTLPKeyValue("empty", ""), OTLPKeyValue("neg", -5), OTLPKeyValue("zero", 0),
                           OTLPKeyValue("f", false), OTLPKeyValue("t", true), OTLPKeyValue("list", [] as [String]),
                           OTLPKeyValue("list2", ["a", "\u{E9}"]), OTLPKeyValue("", "no key"), OTLPKeyValue("max", Int.max),
                           OTLPKeyValue("min", Int.min)]
        span.status = .init(code: .error, message: "")
        span.flags = 0x101
        var event = OTLPSpan.Event()
        event.name = "e"
        event.timeUnixNano = 5
        event.attributes = [OTLPKeyValue("k", "v")]
        var link = OTLPSpan.Link()
        link.traceID = Array(repeating: 1, count: 16)
        link.spanID = Array(repeating: 2, count: 8)
        link.attributes = [OTLPKeyValue("k", 1)]
        span.events = [event, OTLPSpan.Event()]
        span.links = [link]
        var bare = OTLPSpan()
        bare.status = .init(code: .unset, message: "only a message")
        let scope = OTLPScopeSpans(scopeName: "", spans: [span, bare, OTLPSpan()])
        return OTLPExportRequest(resourceSpans: [OTLPResourceSpans(resource: OTLPResource(attributes: []), scopeSpans: [scope]),
                                                 OTLPResourceSpans(resource: nil, scopeSpans: [])])
    }

    static func recorded(_ name: String) throws -> [UInt8] {
        try Array(Data(contentsOf: URL(fileURLWithPath: ProjectPaths.fixture("otlp/\(name)"))))
    }

    @Test func protobufIsWhatSwiftProtobufWrote() throws {
        #expect(Self.request.protobuf == (try Self.recorded("edge-cases.pb")))
        #expect(OTLPExportRequest(resourceSpans: []).protobuf.isEmpty)
    }

    @Test func jsonIsWhatSwiftProtobufWroteWithHexIdentifiers() throws {
        let json = Self.request.json
        #expect(json == (try Self.recorded("edge-cases.json")), "\(String(decoding: json, as: UTF8.self))")
        #expect(OTLPExportRequest(resourceSpans: []).json == Array("{}".utf8))
    }

    @Test(.enabled(if: OTLPTraceTests.python != nil, .init(rawValue: OTLPTraceTests.missing)))
    func openTelemetryProtoReadsTheRecordedBodiesAlike() throws {
        guard let python = OTLPTraceTests.python else { return }
        let run = try PythonTool.run(python, [ProjectPaths.fixture("otlp/check_otlp_binary.py"), ProjectPaths.fixture("otlp/edge-cases.pb"),
                                              ProjectPaths.fixture("otlp/edge-cases.json")], timeout: 60)
        #expect(run.status == 0 && run.output.hasPrefix("ok 1 body pairs, 3 spans"), "\(run.output)")
    }
}
