import Analysis
import Foundation
import Testing
import Timeline

/// An analysis checked against a test bed truth file: the servers' own logs (uWSGI/haproxy access
/// logs, MariaDB's general log, `openstack image show` and the images table), for the shared real
/// captures (CaptureAnalysisTests) and the test bed's other recordings (TestbedCaptureTests).
enum TruthCheck {
    /// Every check below.
    static func all(_ truth: [String: Any], _ result: AnalysisResult, uploadBytesCaptured: Bool) throws {
        try images(truth, result, uploadBytesCaptured: uploadBytesCaptured)
        httpRequests(truth, result)
        queries(truth, result)
    }

    /// Each image's status transitions, name, checksum and size as Glance stored them; where the
    /// capture holds the uploads' bytes (not a `split --slim` copy), a complete upload's hashes are
    /// the stored ones; every transition comes from a Glance request of that image.
    static func images(_ truth: [String: Any], _ result: AnalysisResult, uploadBytesCaptured: Bool) throws {
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
            if uploadBytesCaptured, let upload = image.upload, upload.complete {
                #expect(upload.md5 == summary["checksum"] as? String)
                #expect(upload.matchesChecksum == true)
                // Reduced truth files (Fixtures/captures/testbed, `reduced_from`) keep no
                // os_hash_value; a full one must have it and the upload must hash to it.
                if let hash = summary["os_hash_value"] as? String {
                    #expect(upload.sha512 == hash)
                } else {
                    #expect(truth["reduced_from"] != nil, "image \(image.id ?? "?"): the truth has no os_hash_value")
                }
            }
            for transition in image.transitions {
                let request = try #require(transition.http, "status \(transition.status) not attributed to a request")
                #expect(result.http[request].service == "glance")
                #expect(result.http[request].imageID == image.id, "\(transition.status) of \(image.id ?? "?") from \(result.http[request].path)")
            }
        }
    }

    /// The requests the access logs hold, found within the truth window (the capture runs a little
    /// longer on each side).
    static func httpRequests(_ truth: [String: Any], _ result: AnalysisResult) {
        let window = TestbedCaptures.window(truth)
        let expected = (truth["http_requests"] as? [[String: Any]] ?? []).map {
            "\($0["method"] as? String ?? "") \($0["path"] as? String ?? "") \($0["status"] as? Int ?? 0)"
        }
        let got = result.http.filter { window.contains($0.time.secondsValue) || window.contains($0.end.secondsValue) }
            .map { "\($0.method) \($0.path) \($0.status ?? 0)" }
        #expect(got.sorted() == expected.sorted())
    }

    /// The Query statements of MariaDB's general log within the truth window. The log orders by
    /// when the server logged, the capture by when the packet passed: across connections the two
    /// orders may differ by microseconds, so both are sorted.
    static func queries(_ truth: [String: Any], _ result: AnalysisResult) {
        let window = TestbedCaptures.window(truth)
        let expected = (truth["sql"] as? [[String: Any]] ?? []).filter { $0["command"] as? String == "Query" }
            .map { $0["statement"] as? String ?? "" }
        let got = result.sql.filter { $0.command == .query && window.contains($0.time.secondsValue) }.map(\.statement)
        #expect(got.count == expected.count)
        #expect(got.sorted() == expected.sorted())
    }
}
