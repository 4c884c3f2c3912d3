import CaptureIO
import Testing
@testable import Timeline

/// Issue 18, item 7: a response whose request the capture lacks was reported as
/// `incomplete-request: - -: request body incomplete`; it is a response without request.
struct ResponseWithoutRequestTests {
    static func fact(_ index: Int, method: String, path: String, status: Int?, complete: Bool) -> HTTPFact {
        HTTPFact(index: index, time: Timestamp(nanoseconds: Int64(index) * 1_000_000), end: Timestamp(nanoseconds: Int64(index) * 1_000_000 + 10),
                 connection: 0, client: "10.0.0.1:40000", server: "10.0.0.2:9292", service: "glance", operation: "other",
                 method: method, path: path, status: status, requestComplete: complete)
    }

    @Test func aResponseAloneIsNotAnIncompleteRequest() {
        let timeline = ImageTimelineBuilder.build(http: [
            Self.fact(0, method: "-", path: "-", status: 404, complete: false),
            Self.fact(1, method: "PUT", path: "/v2/images/x/file", status: 204, complete: false),
        ], sql: [])
        let kinds = timeline.anomalies.map(\.kind.rawValue)
        #expect(kinds == ["response-without-request", "incomplete-request"])
        #expect(timeline.anomalies.first?.message == "404 response on 10.0.0.1:40000 -> 10.0.0.2:9292 without its request in the capture")
        #expect(!timeline.anomalies.contains { $0.message.hasPrefix("- -") })
    }
}
