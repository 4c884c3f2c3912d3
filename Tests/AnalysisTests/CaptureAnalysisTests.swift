import CaptureIO
import Foundation
import TestSupport
import Testing
@testable import Analysis
@testable import Timeline

/// The whole pipeline on the real captures, checked against the servers' own logs in each
/// truth file (uWSGI access logs, MariaDB's general log, `openstack image show`).
@Suite(.serialized, .enabled(if: ProjectPaths.sharedCapturesAvailable, SharedCaptures.missing)) struct CaptureAnalysisTests {
    static func analyse(_ scenario: String) throws -> AnalysisResult {
        try CaptureAnalysis(options: .init()).run(paths: [ProjectPaths.sharedCapture(scenario)])
    }

    static func window(_ truth: [String: Any]) -> ClosedRange<Double> {
        let w = truth["window"] as? [String: Any] ?? [:]
        return ((w["start"] as? Double) ?? 0)...((w["end"] as? Double) ?? .infinity)
    }

    @Test(arguments: ProjectPaths.sharedScenarios)
    func imagesMatchWhatGlanceStored(_ scenario: String) throws {
        let truth = try SharedCaptures.truth(scenario)
        let result = try Self.analyse(scenario)
        let expected = truth["image_status_transitions"] as? [String: [String]] ?? [:]
        var got: [String: [String]] = [:]
        for image in result.timeline.images { if let id = image.id { got[id] = image.transitions.map(\.status) } }
        #expect(got == expected)
        for entry in truth["images"] as? [[String: Any]] ?? [] {
            let summary = entry["summary"] as? [String: Any] ?? [:]
            let image = try #require(result.timeline.images.first { $0.id == summary["id"] as? String })
            #expect(image.name == summary["name"] as? String)
            #expect(image.checksum == summary["checksum"] as? String)
            #expect(image.size == (summary["size"] as? Int).map(Int64.init))
            // The upload's bytes, hashed from the capture file's map while it was read on.
            if let upload = image.upload, upload.complete {
                #expect(upload.md5 == summary["checksum"] as? String)
                #expect(upload.sha512 == summary["os_hash_value"] as? String)
                #expect(upload.matchesChecksum == true)
            }
            for transition in image.transitions {
                let request = try #require(transition.http, "status \(transition.status) not attributed to a request")
                #expect(result.http[request].service == "glance")
            }
        }
    }

    @Test(arguments: ProjectPaths.sharedScenarios)
    func httpExchangesMatchTheAccessLogs(_ scenario: String) throws {
        let truth = try SharedCaptures.truth(scenario)
        let window = Self.window(truth)
        let result = try Self.analyse(scenario)
        let expected = (truth["http_requests"] as? [[String: Any]] ?? []).map {
            "\($0["method"] as? String ?? "") \($0["path"] as? String ?? "") \($0["status"] as? Int ?? 0)"
        }
        // The access logs cover the truth window; the capture runs a little longer on each side.
        let got = result.http.filter { window.contains($0.time.secondsValue) || window.contains($0.end.secondsValue) }
            .map { "\($0.method) \($0.path) \($0.status ?? 0)" }
        #expect(got.sorted() == expected.sorted())
    }

    @Test(arguments: ProjectPaths.sharedScenarios)
    func sqlStatementsMatchTheGeneralLog(_ scenario: String) throws {
        let truth = try SharedCaptures.truth(scenario)
        let window = Self.window(truth)
        let result = try Self.analyse(scenario)
        let expected = (truth["sql"] as? [[String: Any]] ?? []).filter { $0["command"] as? String == "Query" }
            .map { $0["statement"] as? String ?? "" }
        let got = result.sql.filter { $0.command == .query && window.contains($0.time.secondsValue) }.map(\.statement)
        #expect(got.count == expected.count)
        // The log orders by when the server logged; the capture by when the packet passed:
        // across connections the two orders may differ by microseconds.
        #expect(got.sorted() == expected.sorted())
    }
}
